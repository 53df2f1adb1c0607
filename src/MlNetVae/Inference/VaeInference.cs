using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Randomness;
using MlNetVae.Graph;
using MlNetVae.Spec;

namespace MlNetVae.Inference;

/// <summary>
/// What a trained model computes on the managed engine, for rows given as flat [rows, D] buffers in raw units:
/// the posterior, decoding, new samples, the ELBO and its parts (at the posterior mean or sampled), the IWAE
/// estimate of -log p(x), the naive prior-sampling estimate, and latent diagnostics. Thread-safe: every call uses
/// its own buffers. Scores for anomaly detection are <see cref="AnomalyScorer"/>'s.
/// </summary>
internal sealed class VaeInference
{
    private readonly ThreadLocal<ManagedRunner> _runner;

    /// <summary>Runs <paramref name="model"/>; <paramref name="threads"/> 0 uses all cores.</summary>
    public VaeInference(VaeModelParameters model, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        var compute = Compute.Shared(Math.Min(threads, Environment.ProcessorCount));
        _runner = new(() => new ManagedRunner(model, compute));
    }

    /// <summary>The model.</summary>
    public VaeModelParameters Model { get; }

    /// <summary>This thread's runner of the model.</summary>
    internal ManagedRunner Runner => _runner.Value!;

    private VaeSpec Spec => Model.Spec;

    /// <summary>The posterior q(z|x) of each raw row: means and clamped log-variances, each flat [rows, K].</summary>
    public (float[] Mean, float[] LogVar) Encode(ReadOnlySpan<float> rows)
    {
        int n = RowCheck.Rows(rows, Spec.Features), k = Spec.LatentSize;
        var (mean, logVar) = (new float[n * k], new float[n * k]);
        _runner.Value!.ForEachChunk(rows, n, Spec.Features, (o, raw, _) =>
        {
            var pass = new ForwardPass<Node>(o, Spec, raw);
            return [pass.Mean, pass.LogVar];
        }, (start, count, outputs) =>
        {
            outputs[0].Value.Span.CopyTo(mean.AsSpan(start * k, count * k));
            outputs[1].Value.Span.CopyTo(logVar.AsSpan(start * k, count * k));
        });
        return (mean, logVar);
    }

    /// <summary>The likelihood's mean for each latent row (flat [rows, K]), in raw units: flat [rows, D].</summary>
    public float[] Decode(ReadOnlySpan<float> latents)
    {
        int n = RowCheck.Rows(latents, Spec.LatentSize, "latent rows");
        var result = new float[n * Spec.Features];
        _runner.Value!.ForEachChunk(latents, n, Spec.LatentSize, (o, z, _) => [Network.RawMean(o, Spec, Network.Decode(o, Spec, z))],
            (start, count, outputs) => outputs[0].Value.Span.CopyTo(result.AsSpan(start * Spec.Features, count * Spec.Features)));
        return result;
    }

    /// <summary>Each raw row decoded from its posterior mean, raw units, flat [rows, D].</summary>
    public float[] Reconstruct(ReadOnlySpan<float> rows)
    {
        int n = RowCheck.Rows(rows, Spec.Features), d = Spec.Features;
        var result = new float[n * d];
        _runner.Value!.ForEachChunk(rows, n, d, (o, raw, _) => [VaeOutput.Reconstruction.Record(o, Spec, new ForwardPass<Node>(o, Spec, raw), null)],
            (start, count, outputs) => outputs[0].Value.Span.CopyTo(result.AsSpan(start * d, count * d)));
        return result;
    }

    /// <summary><paramref name="count"/> new rows decoded from z ~ N(0, I), raw units, flat [count, D].</summary>
    public float[] Generate(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var z = new float[count * Spec.LatentSize];
        new Rng((ulong)seed).FillNormal(z);
        return Decode(z);
    }

    /// <summary>
    /// Per row, -E_q[log p(x|z)] and KL(q(z|x) || N(0, I)), in nats: at z = posterior mean when <paramref name="samples"/>
    /// is 0 (deterministic, <see cref="ScoreFormulas.ElboAtMean{T}"/>), else averaged over that many reparameterized draws
    /// seeded by <paramref name="seed"/> (<see cref="Backends.Elbo"/>).
    /// </summary>
    public (double[] Reconstruction, double[] Kl) Elbo(ReadOnlySpan<float> rows, int samples = 0, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        int n = RowCheck.Rows(rows, Spec.Features), k = Spec.LatentSize;
        var reconstruction = new double[n];
        var kl = new double[n];
        var rng = new Rng((ulong)seed);
        int draws = Math.Max(1, samples);
        for (int s = 0; s < draws; s++)
            _runner.Value!.ForEachChunk(rows, n, Spec.Features,
                (o, raw, eps) =>
                {
                    var (r, q) = samples == 0 ? ScoreFormulas.ElboAtMean(o, Spec, new ForwardPass<Node>(o, Spec,
                        raw)) : Deconstruct(Backends.Elbo.Record(o, Spec, raw, eps!, 1f, 0f));
                    return [r, q];
                },
                (start, count, outputs) =>
                {
                    for (int i = 0; i < count; i++)
                    {
                        reconstruction[start + i] += outputs[0].Value.Span[i] / (double)draws;
                        kl[start + i] = outputs[1].Value.Span[i];
                    }
                },
                noiseWidth: samples == 0 ? 0 : k, fillNoise: eps => rng.FillNormal(eps.Span));
        return (reconstruction, kl);

        static (Node, Node) Deconstruct(ElboTerms<Node> e) => (e.Reconstruction, e.Kl);
    }

    /// <summary>
    /// -log p(x) ~ -log (1/K sum_k p(x|z_k) p(z_k) / q(z_k|x)), z_k ~ q(z|x) (Burda et al. 2016), per row: an upper bound
    /// on -log p(x) that tightens as K grows (K = 1 is the sampled -ELBO). The log-mean-exp runs in double, shifted by
    /// the largest log-weight, so it neither overflows nor underflows.
    /// </summary>
    public double[] IwaeNll(ReadOnlySpan<float> rows, int samples, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        int n = RowCheck.Rows(rows, Spec.Features);
        var logWeights = new double[n * (long)samples > int.MaxValue ? throw new ArgumentOutOfRangeException(nameof(samples), samples,
            "rows x samples is too large") : n * samples];
        var rng = new Rng((ulong)seed ^ 0x1BADB002UL);
        for (int s = 0; s < samples; s++)
            _runner.Value!.ForEachChunk(rows, n, Spec.Features,
                (o, raw, eps) =>
                {
                    var pass = new ForwardPass<Node>(o, Spec, raw);
                    return [ScoreFormulas.IwaeLogWeight(o, Spec, pass.X, pass.Mean, pass.LogVar, eps!)];
                },
                (start, count, outputs) =>
                {
                    for (int i = 0; i < count; i++) logWeights[(start + i) * samples + s] = outputs[0].Value.Span[i];
                },
                noiseWidth: Spec.LatentSize, fillNoise: eps => rng.FillNormal(eps.Span));
        var result = new double[n];
        for (int i = 0; i < n; i++) result[i] = -LogMeanExp(logWeights.AsSpan(i * samples, samples));
        return result;
    }

    /// <summary>
    /// The naive Monte Carlo estimate of -log p(x) = -log E_{z ~ N(0, I)}[p(x|z)] with <paramref name="samples"/> draws from
    /// the prior, per row. Unbiased for p(x), but almost every prior draw decodes to something unlike x, so for realistic
    /// models it sits far above the IWAE estimate and varies widely between seeds: what importance sampling fixes.
    /// </summary>
    public double[] NaivePriorNll(ReadOnlySpan<float> rows, int samples, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        int n = RowCheck.Rows(rows, Spec.Features);
        var logLikelihoods = new double[checked(n * samples)];
        var rng = new Rng((ulong)seed ^ 0x9E3779B97F4A7C15UL);
        for (int s = 0; s < samples; s++)
            _runner.Value!.ForEachChunk(rows, n, Spec.Features,
                (o, raw, z) => [Likelihood.Nll(o, Spec, Network.Decode(o, Spec, z!), Network.Standardize(o, raw))],
                (start, count, outputs) =>
                {
                    for (int i = 0; i < count; i++) logLikelihoods[(start + i) * samples + s] = -outputs[0].Value.Span[i];
                },
                noiseWidth: Spec.LatentSize, fillNoise: z => rng.FillNormal(z.Span));
        var result = new double[n];
        for (int i = 0; i < n; i++) result[i] = -LogMeanExp(logLikelihoods.AsSpan(i * samples, samples));
        return result;
    }

    /// <summary>Active units, KL per latent dimension, and a collapse warning, measured on <paramref name="rows"/>.</summary>
    public LatentDiagnostics Diagnose(ReadOnlySpan<float> rows)
    {
        var activity = new LatentActivity(this);
        activity.Add(rows);
        return activity.Result();
    }

    /// <summary>Per raw row, the posterior mean [rows, K] and the KL of each latent dimension [rows, K] (Graph.Kl, the one definition).</summary>
    internal (float[] Mean, float[] Kl) MeanAndKl(ReadOnlySpan<float> rows)
    {
        int n = RowCheck.Rows(rows, Spec.Features), k = Spec.LatentSize;
        var mean = new float[n * k];
        var kl = new float[n * k];
        _runner.Value!.ForEachChunk(rows, n, Spec.Features,
            (o, raw, _) =>
            {
                var pass = new ForwardPass<Node>(o, Spec, raw);
                return [pass.Mean, Kl.Elements(o, pass.Mean, pass.LogVar)];
            },
            (start, count, outputs) =>
            {
                outputs[0].Value.Span.CopyTo(mean.AsSpan(start * k, count * k));
                outputs[1].Value.Span.CopyTo(kl.AsSpan(start * k, count * k));
            });
        return (mean, kl);
    }

    /// <summary>log (1/n sum e^v), shifted by the largest v so that it neither overflows nor underflows: the Monte Carlo estimate of a
    /// log-expectation.</summary>
    private static double LogMeanExp(ReadOnlySpan<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (double v in values) max = Math.Max(max, v);
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (double v in values) sum += Math.Exp(v - max);
        return max + Math.Log(sum / values.Length);
    }
}

/// <summary>
/// Latent diagnostics accumulated over rows given block by block (so a file of any size streams through): per latent
/// dimension the variance of the posterior mean over the rows (a dimension is active above
/// <see cref="LatentDiagnostics.ActiveVariance"/>) and the mean KL to the prior.
/// </summary>
internal sealed class LatentActivity(VaeInference inference)
{
    private readonly double[] _sum = new double[inference.Model.LatentSize], _sumSq = new double[inference.Model.LatentSize],
        _kl = new double[inference.Model.LatentSize];
    private long _rows;

    /// <summary>Takes raw rows (flat [rows, D]) into account.</summary>
    public void Add(ReadOnlySpan<float> rows)
    {
        var (mean, kl) = inference.MeanAndKl(rows);
        int k = _sum.Length;
        for (int i = 0; i < mean.Length; i++)
        {
            int j = i % k;
            _sum[j] += mean[i];
            _sumSq[j] += mean[i] * (double)mean[i];
            _kl[j] += kl[i];
        }
        _rows += mean.Length / k;
    }

    /// <summary>The diagnostics of every row added so far (at least 2).</summary>
    public LatentDiagnostics Result()
    {
        if (_rows < 2) throw new ArgumentException("diagnostics need at least 2 rows");
        int k = _sum.Length;
        var variance = Enumerable.Range(0, k).Select(j => Math.Max(0, _sumSq[j] / _rows - _sum[j] / _rows * (_sum[j] / _rows))).ToArray();
        var klPerDim = _kl.Select(v => v / _rows).ToArray();
        int active = variance.Count(v => v > LatentDiagnostics.ActiveVariance);
        string? warning = active == 0
            ? $"posterior collapse: none of the {k} latent dimensions is active (total KL {klPerDim.Sum():F3} nats); try KL warm-up, free bits or a " +
                $"smaller beta"
            : null;
        return new LatentDiagnostics(active, variance, klPerDim, warning);
    }
}

/// <summary>What the latent space learned.</summary>
/// <param name="ActiveUnits">Dimensions whose posterior mean varies over the data with variance above <see cref="ActiveVariance"/> (Burda et al. 2016).</param>
/// <param name="PosteriorMeanVariance">Per dimension, the variance over the rows of the posterior mean.</param>
/// <param name="KlPerDimension">Per dimension, the mean KL(q(z_k|x) || N(0, 1)) over the rows, in nats.</param>
/// <param name="Warning">A sentence when the posterior has collapsed (no active unit), else null.</param>
internal sealed record LatentDiagnostics(int ActiveUnits, double[] PosteriorMeanVariance, double[] KlPerDimension, string? Warning)
{
    /// <summary>The posterior-mean variance above which a dimension counts as active.</summary>
    public const double ActiveVariance = 0.01;
}
