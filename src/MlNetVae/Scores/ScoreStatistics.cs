using MlNetVae.Engine;
using MlNetVae.Inference;
using MlNetVae.Spec;

namespace MlNetVae.Scores;

/// <summary>
/// The statistics of the training rows that <see cref="AnomalyScore.LatentMahalanobis"/>, <see cref="AnomalyScore.Combined"/>,
/// the standardized sums and (images) the smoothed and multiscale sums read, as named buffers (a small state dict the score formulas take
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

    /// <summary>Training mean and standard deviation of ln <see cref="ScoreFormulas.SmoothedReconstructionError"/>, [1] each; image models only.</summary>
    public const string SmoothedErrorLogMean = "score.smoothed_error_log_mean", SmoothedErrorLogScale = "score.smoothed_error_log_scale";

    /// <summary>Training mean and standard deviation of the log of the squared Mahalanobis distance, [1] each; image models only.</summary>
    public const string MahalanobisLogMean = "score.mahalanobis_log_mean", MahalanobisLogScale = "score.mahalanobis_log_scale";

    /// <summary>Training mean and standard deviation of ln <see cref="ScoreFormulas.PixelError"/> of the raw residual, [1] each; image models only.</summary>
    public const string PixelErrorLogMean = "score.pixel_error_log_mean", PixelErrorLogScale = "score.pixel_error_log_scale";

    /// <summary>
    /// The image statistics by the version that added them, each group all or none: the smoothed score's, then the
    /// multiscale score's. A model file saved before a group existed lacks it and stays readable.
    /// </summary>
    private static readonly string[][] ImageStatistics =
        [[SmoothedErrorLogMean, SmoothedErrorLogScale, MahalanobisLogMean, MahalanobisLogScale], [PixelErrorLogMean, PixelErrorLogScale]];

    /// <summary>Fits the statistics on the rows the model was trained on: a flat [rows, D] buffer in raw units.</summary>
    public static StateDict Fit(VaeModelParameters model, ReadOnlySpan<float> rows, Compute? compute = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        int d = model.Features, k = model.LatentSize, n = rows.Length / d;
        if (n < 2 || rows.Length % d != 0) throw new ArgumentException("fitting score statistics needs at least 2 whole rows");
        bool images = model.Spec.Image is not null;
        var divergence = new double[n];
        var smoothedError = new double[images ? n : 0];
        var pixelError = new double[images ? n : 0];
        var mean = new float[n][];
        var variance = new float[n][];
        var runner = new ManagedRunner(model, compute ?? Compute.Default);
        runner.ForEachChunk(rows, n, d, (o, raw, _) =>
        {
            var p = ScoreFormulas.Pass(o, model.Spec, raw);
            var divergence = ScoreFormulas.ReconstructionDivergence(o, model.Spec, p);
            if (!images) return [divergence, p.Mean, o.Exp(p.LogVar)];
            var residual = ScoreFormulas.RawResidual(o, model.Spec, p);
            return [divergence, p.Mean, o.Exp(p.LogVar), ScoreFormulas.SmoothedError(o, model.Spec, residual), ScoreFormulas.PixelError(o, residual)];
        }, (start, count, outputs) =>
        {
            for (int i = 0; i < count; i++)
            {
                divergence[start + i] = outputs[0].Value.Span[i];
                mean[start + i] = outputs[1].Value.Row(i).ToArray();
                variance[start + i] = outputs[2].Value.Row(i).ToArray();
                if (!images) continue;
                smoothedError[start + i] = outputs[3].Value.Span[i];
                pixelError[start + i] = outputs[4].Value.Span[i];
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
        if (images)
        {
            // The same floor as the score's own log, so a row's fitted and scored logs are one function.
            static double Log(double v) => Math.Log(Math.Max(v, ScoreFormulas.LogFloor));
            foreach (var (values, meanName, scaleName) in new[]
            {
                (smoothedError, SmoothedErrorLogMean, SmoothedErrorLogScale), (mahalanobis, MahalanobisLogMean, MahalanobisLogScale),
                (pixelError, PixelErrorLogMean, PixelErrorLogScale),
            })
            {
                var (m, sd) = MeanAndScale(values.Select(Log).ToArray());
                state.Set(meanName, [1], [m]);
                state.Set(scaleName, [1], [sd]);
            }
        }
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
        foreach (var group in ImageStatistics)
        {
            int present = group.Count(statistics.Contains);
            if (present == 0) continue;
            if (present != group.Length) throw new ArgumentException($"score statistic '{group.First(n => !statistics.Contains(n))}' is missing");
            foreach (var name in group)
            {
                var t = statistics[name];
                if (!t.Shape.SequenceEqual([1]) || !float.IsFinite(t.Data[0])) throw new ArgumentException($"score statistic '{name}' must be one finite value");
                if (name.EndsWith("_scale", StringComparison.Ordinal) && !(t.Data[0] > 0)) throw new ArgumentException("score statistics: the scales must be positive");
            }
        }
    }

    /// <summary>
    /// Why <paramref name="score"/> cannot be computed by a model of <paramref name="spec"/> with these statistics, or
    /// null when it can: the one check behind the scorer, the exporter, the importer and the ML.NET transformer.
    /// </summary>
    internal static string? Missing(VaeSpec spec, StateDict? statistics, AnomalyScore score)
    {
        if (ScoreFormulas.NeedsImages(score) && spec.Image is null)
            return $"the {score} score needs images (VaeOptions.ImageShape, --image-shape; IDX files set it), and this model reads table rows";
        if (!ScoreFormulas.NeedsStatistics(score)) return null;
        if (statistics is null) return $"the {score} score needs statistics of the training rows (ScoreStatistics.Fit), which the model lacks";
        if (score == AnomalyScore.SmoothedStandardizedSum && !statistics.Contains(SmoothedErrorLogMean)
            || score == AnomalyScore.MultiscaleStandardizedSum && !(statistics.Contains(SmoothedErrorLogMean) && statistics.Contains(PixelErrorLogMean)))
            return $"the {score} score needs the image statistics of the training rows, which this model's statistics (fitted by an earlier version) lack: fit them again with ScoreStatistics.Fit";
        return null;
    }

    /// <summary>Mean and standard deviation; a component that is the same on every row gets scale 1 instead of 0.</summary>
    private static (float Mean, float Scale) MeanAndScale(double[] values)
    {
        double mean = values.Average();
        double std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        return ((float)mean, std > 1e-12 ? (float)std : 1f);
    }
}
