using MlNetVae.Engine;
using MlNetVae.Inference;
using MlNetVae.Spec;

namespace MlNetVae.Scores;

/// <summary>
/// The statistics of the training rows that <see cref="AnomalyScore.LatentMahalanobis"/>, <see cref="AnomalyScore.Combined"/>
/// and <see cref="AnomalyScore.StandardizedSum"/> read, as named buffers (a small state dict the score formulas take
/// by name, like the model's own tensors).
/// </summary>
public static class ScoreStatistics
{
    /// <summary>Mean of the training rows' posterior means, [K].</summary>
    public const string LatentCenter = "score.latent_center";

    /// <summary>W [K, K] with W W^T the inverse covariance of the training rows' aggregate posterior.</summary>
    public const string LatentWhitening = "score.latent_whitening";

    /// <summary>Training mean and standard deviation of the reconstruction divergence, [1] each.</summary>
    public const string DivergenceMean = "score.divergence_mean", DivergenceScale = "score.divergence_scale";

    /// <summary>Training mean and standard deviation of the squared Mahalanobis distance, [1] each.</summary>
    public const string MahalanobisMean = "score.mahalanobis_mean", MahalanobisScale = "score.mahalanobis_scale";

    /// <summary>Fits the statistics on the rows the model was trained on: a flat [rows, D] buffer in raw units.</summary>
    public static StateDict Fit(VaeModelParameters model, ReadOnlySpan<float> rows, Compute? compute = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        int d = model.Features, k = model.LatentSize, n = rows.Length / d;
        if (n < 2 || rows.Length % d != 0) throw new ArgumentException("fitting score statistics needs at least 2 whole rows");
        var divergence = new double[n];
        var mean = new float[n][];
        var variance = new float[n][];
        var runner = new ManagedRunner(model, compute ?? Compute.Default);
        runner.ForEachChunk(rows, n, d, (o, raw, _) =>
        {
            var p = ScoreFormulas.Pass(o, model.Spec, raw);
            return [ScoreFormulas.ReconstructionDivergence(o, model.Spec, p), p.Mean, o.Exp(p.LogVar)];
        }, (start, count, outputs) =>
        {
            for (int i = 0; i < count; i++)
            {
                divergence[start + i] = outputs[0].Value.Span[i];
                mean[start + i] = outputs[1].Value.Row(i).ToArray();
                variance[start + i] = outputs[2].Value.Row(i).ToArray();
            }
        });
        var (center, whitening) = LatentGaussian.Fit(mean, variance);
        var mahalanobis = mean.Select(mu => LatentGaussian.SquaredDistance(mu, center, whitening)).ToArray();
        var state = new StateDict();
        state.Set(LatentCenter, [k], center);
        state.Set(LatentWhitening, [k, k], whitening);
        var (dm, ds) = MeanAndScale(divergence);
        var (mm, ms) = MeanAndScale(mahalanobis);
        state.Set(DivergenceMean, [1], [dm]);
        state.Set(DivergenceScale, [1], [ds]);
        state.Set(MahalanobisMean, [1], [mm]);
        state.Set(MahalanobisScale, [1], [ms]);
        return state;
    }

    /// <summary>Checks that fitted statistics have the names, shapes and finite values the scores need for a K-dimensional latent space.</summary>
    internal static void Validate(StateDict statistics, int latentSize)
    {
        foreach (var (name, shape) in new (string, int[])[]
        {
            (LatentCenter, [latentSize]), (LatentWhitening, [latentSize, latentSize]),
            (DivergenceMean, [1]), (DivergenceScale, [1]), (MahalanobisMean, [1]), (MahalanobisScale, [1]),
        })
        {
            if (!statistics.Contains(name)) throw new ArgumentException($"score statistic '{name}' is missing");
            var t = statistics[name];
            if (!t.Shape.SequenceEqual(shape)) throw new ArgumentException($"score statistic '{name}' has shape [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", shape)}]");
            if (t.Data.Any(v => !float.IsFinite(v))) throw new ArgumentException($"score statistic '{name}' holds a non-finite value");
        }
        if (!(statistics[DivergenceScale].Data[0] > 0) || !(statistics[MahalanobisScale].Data[0] > 0))
            throw new ArgumentException("score statistics: the scales must be positive");
    }

    /// <summary>Mean and standard deviation; a component that is the same on every row gets scale 1 instead of 0.</summary>
    private static (float Mean, float Scale) MeanAndScale(double[] values)
    {
        double mean = values.Average();
        double std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        return ((float)mean, std > 1e-12 ? (float)std : 1f);
    }
}
