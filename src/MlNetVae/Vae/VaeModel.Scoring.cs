using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Randomness;

namespace MlNetVae.Vae;

/// <summary>How <see cref="VaeModel.Score"/> estimates its numbers.</summary>
/// <param name="Samples">z draws per row for the negative ELBO; 0 evaluates it once at z = posterior mean (deterministic).</param>
/// <param name="IwaeSamples">K importance samples for the IWAE estimate of -log p(x); 0 skips it.</param>
/// <param name="Seed">Seed of the draws, so the same call gives the same numbers.</param>
/// <param name="Contributions">Also return each feature's share of the reconstruction term.</param>
public sealed record ScoreOptions(int Samples = 0, int IwaeSamples = 0, int Seed = 1, bool Contributions = false);

/// <summary>Per-row scores, in nats; every array has one entry per row, in input order.</summary>
/// <param name="NegElbo">-ELBO = <paramref name="Reconstruction"/> + <paramref name="Kl"/>, an upper bound on -log p(x).</param>
/// <param name="Reconstruction">-E_q[log p(x|z)].</param>
/// <param name="Kl">KL(q(z|x) || N(0, I)), closed form.</param>
/// <param name="IwaeNll">The importance-weighted estimate of -log p(x) (tighter than -ELBO), or null when not asked for.</param>
/// <param name="Contributions">Per row and feature, -log p(x_j|z): which features made the row unusual; or null.</param>
public sealed record RowScores(double[] NegElbo, double[] Reconstruction, double[] Kl, double[]? IwaeNll, float[][]? Contributions);

/// <summary>What the latent space learned.</summary>
/// <param name="ActiveUnits">Dimensions whose posterior mean varies over the data with variance above 0.01 (Burda et al. 2016).</param>
/// <param name="PosteriorMeanVariance">Per dimension, the variance over the rows of the posterior mean.</param>
/// <param name="KlPerDimension">Per dimension, the mean KL(q(z_k|x) || N(0, 1)) over the rows, in nats.</param>
/// <param name="Warning">A sentence when the posterior has collapsed (no active unit), else null.</param>
public sealed record LatentDiagnostics(int ActiveUnits, double[] PosteriorMeanVariance, double[] KlPerDimension, string? Warning);

public sealed partial class VaeModel
{
    /// <summary>Scores rows (raw units): negative ELBO and its parts, optionally IWAE and per-feature contributions.</summary>
    public RowScores Score(IReadOnlyList<float[]> rows, ScoreOptions? options = null)
    {
        options ??= new ScoreOptions();
        if (options.Samples < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Samples, "ScoreOptions.Samples must be zero or positive");
        if (options.IwaeSamples < 0) throw new ArgumentOutOfRangeException(nameof(options), options.IwaeSamples, "ScoreOptions.IwaeSamples must be zero or positive");
        var x = ToModelUnits(rows);
        int n = rows.Count;
        var recon = new double[n];
        var kl = new double[n];
        var contributions = options.Contributions ? new Tensor(Math.Max(1, n), Features) : null;
        new ElboEvaluator(this, Compute).Evaluate(x, n, options.Samples, new Rng((ulong)options.Seed), recon, kl, contributions);
        var negElbo = recon.Zip(kl, (a, b) => a + b).ToArray();
        double[]? iwae = options.IwaeSamples > 0 ? IwaeNll(x, n, options.IwaeSamples, options.Seed) : null;
        float[][]? perFeature = contributions is null ? null
            : Enumerable.Range(0, n).Select(r => contributions.Row(r).ToArray()).ToArray();
        return new RowScores(negElbo, recon, kl, iwae, perFeature);
    }

    /// <summary>Active units, KL per latent dimension, and a collapse warning, measured on <paramref name="rows"/>.</summary>
    public LatentDiagnostics Diagnose(IReadOnlyList<float[]> rows)
    {
        if (rows.Count < 2) throw new ArgumentException("diagnostics need at least 2 rows");
        var (mean, logVar) = Encode(rows);
        int k = LatentSize;
        var variance = new double[k];
        var klPerDim = new double[k];
        for (int j = 0; j < k; j++)
        {
            double mu = mean.Average(m => (double)m[j]);
            variance[j] = mean.Average(m => (m[j] - mu) * (m[j] - mu));
            klPerDim[j] = Enumerable.Range(0, rows.Count)
                .Average(r => 0.5 * (Math.Exp(logVar[r][j]) + mean[r][j] * (double)mean[r][j] - 1 - logVar[r][j]));
        }
        int active = variance.Count(v => v > 0.01);
        string? warning = active == 0
            ? $"posterior collapse: none of the {k} latent dimensions is active (total KL {klPerDim.Sum():F3} nats); try KL warm-up, free bits or a smaller beta"
            : null;
        return new LatentDiagnostics(active, variance, klPerDim, warning);
    }

    /// <summary>
    /// -log p(x) ~ -log (1/K sum_k p(x|z_k) p(z_k) / q(z_k|x)), z_k ~ q(z|x) (Burda et al. 2016); the
    /// log-mean-exp subtracts the largest log-weight so it neither overflows nor underflows.
    /// </summary>
    private double[] IwaeNll(float[] x, int count, int samples, int seed)
    {
        int k = LatentSize;
        var rng = new Rng((ulong)seed ^ 0x1BADB002UL);
        var result = new double[count];
        var encoderTape = new Tape(Compute);
        var decoderTape = new Tape(Compute);
        var eps = new Tensor(1, k);
        var logWeights = new double[ChunkRows * samples];
        ForEachChunk(x, count, (input, start, n) =>
        {
            encoderTape.Reset();
            var (mean, logVar) = RecordEncoder(encoderTape, encoderTape.Input(input));
            eps = Tensor.Resize(eps, [n, k]);
            for (int s = 0; s < samples; s++)
            {
                rng.FillNormal(eps.Span);
                decoderTape.Reset();
                var zNode = VaeModel.RecordSample(decoderTape, decoderTape.Input(mean.Value), decoderTape.Input(logVar.Value), decoderTape.Input(eps));
                var nll = Likelihood.RecordNll(decoderTape, this, RecordDecoder(decoderTape, zNode), decoderTape.Input(input)).Value.Span;
                for (int i = 0; i < n; i++)
                {
                    // log p(z) - log q(z|x) = sum_j -0.5 z_j^2 + 0.5 eps_j^2 + 0.5 logVar_j (the 2 pi terms cancel).
                    double logRatio = 0;
                    var zi = zNode.Value.Row(i);
                    var ei = eps.Row(i);
                    var lv = logVar.Value.Row(i);
                    for (int j = 0; j < k; j++) logRatio += 0.5 * (ei[j] * (double)ei[j] - zi[j] * (double)zi[j] + lv[j]);
                    logWeights[i * samples + s] = -nll[i] + logRatio;
                }
            }
            for (int i = 0; i < n; i++)
                result[start + i] = -(LogSumExp(logWeights.AsSpan(i * samples, samples)) - Math.Log(samples));
        });
        return result;
    }

    private static double LogSumExp(ReadOnlySpan<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (double v in values) max = Math.Max(max, v);
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (double v in values) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}
