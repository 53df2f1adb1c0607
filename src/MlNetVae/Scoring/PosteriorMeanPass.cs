using MlNetVae.Engine.Autodiff;
using MlNetVae.Vae;

namespace MlNetVae.Scoring;

/// <summary>Per-row quantities of one deterministic pass with z at the posterior mean; every array has one entry per row.</summary>
/// <param name="Divergence">Reconstruction NLL at z = mean minus its floor (see <see cref="ReconstructionTerms.Divergence"/>).</param>
/// <param name="SquaredError">Squared error of the reconstruction at z = mean, model units.</param>
/// <param name="Kl">KL(q(z|x) || N(0, I)), closed form.</param>
/// <param name="LatentMean">Posterior means, [rows][K].</param>
/// <param name="LatentVariance">Posterior variances exp(logVar), [rows][K].</param>
internal sealed record PosteriorMeanTerms(double[] Divergence, double[] SquaredError, double[] Kl, float[][] LatentMean, float[][] LatentVariance);

/// <summary>Encodes rows, decodes their posterior means, and measures each reconstruction: no sampling, so the same rows give the same numbers.</summary>
internal static class PosteriorMeanPass
{
    public static PosteriorMeanTerms Run(VaeModel model, IReadOnlyList<float[]> rows)
    {
        var x = model.ToModelUnits(rows);
        int n = rows.Count, k = model.LatentSize;
        var segments = model.Preprocessor.Segments;
        var logVar = model.GaussianLogVar.Select(v => v?.Value.Span.ToArray()).ToArray();
        var terms = new PosteriorMeanTerms(new double[n], new double[n], new double[n], new float[n][], new float[n][]);
        var tape = new Tape(model.Compute);
        model.ForEachChunk(x, n, (input, start, count) =>
        {
            tape.Reset();
            var (mean, latentLogVar) = model.RecordEncoder(tape, tape.Input(input)); // (count, K) each
            var output = model.RecordDecoder(tape, mean).Value;                      // (count, D)
            for (int i = 0; i < count; i++)
            {
                int r = start + i;
                terms.Divergence[r] = ReconstructionTerms.Divergence(segments, logVar, input.Row(i), output.Row(i));
                terms.SquaredError[r] = ReconstructionTerms.SquaredError(segments, input.Row(i), output.Row(i));
                var mu = terms.LatentMean[r] = mean.Value.Row(i).ToArray();
                var lv = latentLogVar.Value.Row(i);
                var variance = terms.LatentVariance[r] = new float[k];
                for (int j = 0; j < k; j++) variance[j] = MathF.Exp(lv[j]);
                terms.Kl[r] = CorrectedNegElboEvaluator.Kl(mu, lv);
            }
        });
        return terms;
    }
}
