namespace MlNetVae.Graph;

/// <summary>
/// The statistics of the training rows that some anomaly scores read, as named buffers (a small state dict the score
/// formulas take by name, like the model's own tensors): which exist, their shapes, and whether a model has the ones
/// its score reads. A model carries exactly the statistics its score reads (<c>Inference.StatisticsFitter</c> fits them).
/// </summary>
internal static class ScoreStatistics
{
    /// <summary>Mean of the training rows' posterior means, [K].</summary>
    public const string LatentCenter = "score.latent_center";

    /// <summary>W [K, K] with W W^T the inverse covariance of the training rows' aggregate posterior.</summary>
    public const string LatentWhitening = "score.latent_whitening";

    /// <summary>Training mean and standard deviation of the reconstruction divergence, [1] each.</summary>
    public const string DivergenceMean = "score.divergence_mean", DivergenceScale = "score.divergence_scale";

    /// <summary>Training mean and standard deviation of the squared Mahalanobis distance, [1] each.</summary>
    public const string MahalanobisMean = "score.mahalanobis_mean", MahalanobisScale = "score.mahalanobis_scale";

    /// <summary>Training mean and standard deviation of ln <see cref="ScoreTerm.SmoothedError"/>, [1] each.</summary>
    public const string SmoothedErrorLogMean = "score.smoothed_error_log_mean", SmoothedErrorLogScale = "score.smoothed_error_log_scale";

    /// <summary>Training mean and standard deviation of the log of the squared Mahalanobis distance, [1] each.</summary>
    public const string MahalanobisLogMean = "score.mahalanobis_log_mean", MahalanobisLogScale = "score.mahalanobis_log_scale";

    /// <summary>Training mean and standard deviation of <see cref="ScoreTerm.PixelErrorLog"/> (ln of the unsmoothed squared error), [1] each.</summary>
    public const string PixelErrorLogMean = "score.pixel_error_log_mean", PixelErrorLogScale = "score.pixel_error_log_scale";

    /// <summary>
    /// Per pixel (per feature, channels apart), the smoothed squared error's usual level: its mean over the training rows
    /// plus <see cref="UsualLevelFloor"/> times that mean's average over the features, [D]
    /// (<see cref="ScoreTerm.RelativeSmoothedErrorLog"/> divides by it).
    /// </summary>
    public const string SmoothedErrorUsual = "score.smoothed_error_usual";

    /// <summary>Training mean and standard deviation of <see cref="ScoreTerm.RelativeSmoothedErrorLog"/>, [1] each.</summary>
    public const string RelativeSmoothedErrorLogMean = "score.relative_smoothed_error_log_mean",
        RelativeSmoothedErrorLogScale = "score.relative_smoothed_error_log_scale";

    /// <summary>
    /// The lowest raw value and the range (highest minus lowest) of the training rows' pixels, [1] each: the structural
    /// term maps both images to [0, 1] with them, since SSIM's two constants assume a known range (pixels in [0, 1] or
    /// [0, 255] then score alike).
    /// </summary>
    public const string PixelLow = "score.pixel_low", PixelRange = "score.pixel_range";

    /// <summary>
    /// Per pixel (per feature, channels apart), the structural dissimilarity's usual level: its mean over the training
    /// rows plus <see cref="UsualLevelFloor"/> times that mean's average over the features, [D]
    /// (<see cref="ScoreTerm.RelativeStructuralErrorLog"/> divides by it).
    /// </summary>
    public const string StructuralErrorUsual = "score.structural_error_usual";

    /// <summary>Training mean and standard deviation of <see cref="ScoreTerm.RelativeStructuralErrorLog"/>, [1] each.</summary>
    public const string RelativeStructuralErrorLogMean = "score.relative_structural_error_log_mean",
        RelativeStructuralErrorLogScale = "score.relative_structural_error_log_scale";

    /// <summary>
    /// The share of the average usual level added to every pixel's (<see cref="SmoothedErrorUsual"/>): a pixel the
    /// training rows never got wrong (a border that is always 0) would otherwise turn any error into an infinite one.
    /// 0.3 kept the one-class AUROC of every image set of the harness (0.1 lost 0.001 on Fashion-MNIST; 1 reads the
    /// plain smoothed error again), Graph/SCORES.md.
    /// </summary>
    public const float UsualLevelFloor = 0.3f;

    /// <summary>The names of the statistics <paramref name="score"/> reads for a model of <paramref name="spec"/>, traced from its formula.</summary>
    public static IReadOnlySet<string> ReadBy(VaeSpec spec, AnomalyScore score)
    {
        if (AnomalyScores.IsSampled(score) || AnomalyScores.NeedsImages(score) && spec.Image is null) return new HashSet<string>();
        var trace = new BufferTrace();
        ScoreFormulas.Deterministic(trace, spec, new ForwardPass<object>(trace, spec, trace.Raw), score);
        return trace.Buffers.Where(n => n.StartsWith("score.", StringComparison.Ordinal)).ToHashSet();
    }

    /// <summary>
    /// Checks fitted statistics for a model of D features and a K-dimensional latent space: known names, their shapes,
    /// finite values and positive scales and levels. Throws <see cref="ArgumentException"/> naming the first problem.
    /// </summary>
    public static void Validate(StateDict statistics, int features, int latentSize)
    {
        foreach (var name in statistics.Names)
        {
            int[] shape = name switch
            {
                LatentCenter => [latentSize],
                LatentWhitening => [latentSize, latentSize],
                DivergenceMean or DivergenceScale or MahalanobisMean or MahalanobisScale or SmoothedErrorLogMean or SmoothedErrorLogScale
                    or MahalanobisLogMean or MahalanobisLogScale or PixelErrorLogMean or PixelErrorLogScale or RelativeSmoothedErrorLogMean
                    or RelativeSmoothedErrorLogScale or PixelLow or PixelRange or RelativeStructuralErrorLogMean
                    or RelativeStructuralErrorLogScale => [1],
                SmoothedErrorUsual or StructuralErrorUsual => [features],
                _ => throw new ArgumentException($"'{name}' is not a score statistic"),
            };
            var t = statistics[name];
            if (!t.Shape.SequenceEqual(shape)) throw new ArgumentException($"score statistic '{name}' has shape [{string.Join(", ",
                t.Shape)}], expected [{string.Join(", ", shape)}]");
            if (t.Data.Any(v => !float.IsFinite(v))) throw new ArgumentException($"score statistic '{name}' holds a non-finite value");
            if ((name.EndsWith("_scale", StringComparison.Ordinal) || name is SmoothedErrorUsual or StructuralErrorUsual or PixelRange)
                && t.Data.Any(v => !(v > 0)))
                throw new ArgumentException($"score statistic '{name}' must be positive");
        }
    }

    /// <summary>
    /// Why <paramref name="score"/> cannot be computed by a model of <paramref name="spec"/> with these statistics, or
    /// null when it can: the one check behind the scorer, the exporter, the importer and the ML.NET transformer.
    /// </summary>
    public static string? Missing(VaeSpec spec, StateDict? statistics, AnomalyScore score)
    {
        if (AnomalyScores.NeedsImages(score) && spec.Image is null)
            return $"the {score} score needs images (VaeOptions.ImageShape, --image-shape; IDX files set it), and this model reads table rows";
        var absent = ReadBy(spec, score).Where(n => statistics is null || !statistics.Contains(n)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (absent is null) return null;
        return statistics is null
            ? $"the {score} score needs statistics of the training rows, which the model lacks (the estimator fits them when its score needs them)"
            : $"the {score} score needs the statistic '{absent}' of the training rows, which this model lacks (its statistics were fitted for another " +
                $"score, or by an earlier version)";
    }
}
