using MlNetVae.Graph;
using MlNetVae.Spec;

namespace MlNetVae.Scores;

/// <summary>What one deterministic pass at z = posterior mean computes, which every deterministic score is built from.</summary>
/// <param name="X">The rows in model units, [rows, D].</param>
/// <param name="Mean">Posterior means, [rows, K].</param>
/// <param name="LogVar">Clamped posterior log-variances, [rows, K].</param>
/// <param name="Output">The decoder's raw output at z = mean, [rows, D].</param>
internal readonly record struct PosteriorMeanPass<T>(T X, T Mean, T LogVar, T Output);

/// <summary>
/// Every anomaly score, written once over <see cref="IOps{T}"/>: the managed scorer, the ONNX scorer graph and the
/// report compute these same definitions. Each returns one value per row, [rows, 1], higher = more unusual.
/// The sampled scores (<see cref="AnomalyScore.NegElbo"/>, <see cref="AnomalyScore.IwaeNll"/>) average or combine
/// per-draw terms defined here; <see cref="ScoreStatistics"/> holds the fitted buffers some scores read.
/// </summary>
internal static class ScoreFormulas
{
    /// <summary>Encodes raw rows [rows, D] and decodes their posterior means: no sampling, so the same rows give the same numbers.</summary>
    public static PosteriorMeanPass<T> Pass<T>(IOps<T> o, VaeSpec spec, T raw) where T : class
    {
        var x = Network.Standardize(o, raw);
        var (mean, logVar) = Network.Encode(o, spec, x);
        return new PosteriorMeanPass<T>(x, mean, logVar, Network.Decode(o, spec, mean));
    }

    /// <summary>
    /// Tables' default anomaly score, <see cref="AnomalyScore.CorrectedNegElbo"/>: the reconstruction's divergence from the
    /// row at z = posterior mean (the -ELBO without the entropy floor of the row itself) plus KL(q(z|x) || N(0, I)).
    /// </summary>
    public static T CorrectedNegElbo<T>(IOps<T> o, VaeSpec spec, PosteriorMeanPass<T> p) where T : class =>
        o.Add(Likelihood.Divergence(o, spec, p.Output, p.X), Kl.PerRow(o, p.Mean, p.LogVar));

    /// <summary>The negative ELBO evaluated once at z = posterior mean: -log p(x|z = mean) + KL (scorer.onnx's neg_elbo).</summary>
    public static T NegElboAtMean<T>(IOps<T> o, VaeSpec spec, PosteriorMeanPass<T> p) where T : class =>
        o.Add(Likelihood.Nll(o, spec, p.Output, p.X), Kl.PerRow(o, p.Mean, p.LogVar));

    /// <summary>The reconstruction's divergence at z = posterior mean alone.</summary>
    public static T ReconstructionDivergence<T>(IOps<T> o, VaeSpec spec, PosteriorMeanPass<T> p) where T : class =>
        Likelihood.Divergence(o, spec, p.Output, p.X);

    /// <summary>Squared error of the likelihood's mean at z = posterior mean, in model units (every column weighs the same).</summary>
    public static T ReconstructionError<T>(IOps<T> o, VaeSpec spec, PosteriorMeanPass<T> p) where T : class =>
        o.RowSum(o.Square(o.Sub(p.X, Network.Mean(o, spec, p.Output))));

    /// <summary>Squared Mahalanobis distance of the posterior mean under the fitted aggregate posterior: || (mean - center) W ||^2.</summary>
    public static T LatentMahalanobis<T>(IOps<T> o, PosteriorMeanPass<T> p) where T : class =>
        o.RowSum(o.Square(o.MatMul(o.Sub(p.Mean, o.Buffer(ScoreStatistics.LatentCenter)), o.Buffer(ScoreStatistics.LatentWhitening))));

    /// <summary>Divergence + Mahalanobis / 2: -log p(x, z) at z = mean with both floors removed, under the fitted prior.</summary>
    public static T Combined<T>(IOps<T> o, VaeSpec spec, PosteriorMeanPass<T> p) where T : class =>
        o.Add(ReconstructionDivergence(o, spec, p), o.Scale(LatentMahalanobis(o, p), 0.5f));

    /// <summary>Divergence and Mahalanobis distance, each standardized by its training mean and deviation, summed.</summary>
    public static T StandardizedSum<T>(IOps<T> o, VaeSpec spec, PosteriorMeanPass<T> p) where T : class =>
        o.Add(
            Standardized(o, ReconstructionDivergence(o, spec, p), ScoreStatistics.DivergenceMean, ScoreStatistics.DivergenceScale),
            Standardized(o, LatentMahalanobis(o, p), ScoreStatistics.MahalanobisMean, ScoreStatistics.MahalanobisScale));

    /// <summary>
    /// Squared error of the reconstruction in raw units after both the row and its reconstruction are smoothed by the
    /// mean of each pixel's 3x3 neighbourhood (<see cref="IOps{T}.LocalMean"/>; smoothing is linear, so it is applied
    /// once, to the residual): an error the size of a stroke or a part counts, a pixel-scale texture the decoder cannot
    /// reproduce on normal images as well counts little. Images only.
    /// </summary>
    public static T SmoothedReconstructionError<T>(IOps<T> o, VaeSpec spec, PosteriorMeanPass<T> p) where T : class =>
        SmoothedError(o, spec, RawResidual(o, spec, p));

    /// <summary>
    /// The logs of <see cref="SmoothedReconstructionError"/> and <see cref="LatentMahalanobis"/>, each standardized by
    /// its training mean and deviation, summed. Both are sums of squares with long right tails; on the log scale the two
    /// tails weigh alike and neither component's outliers swamp the other.
    /// </summary>
    public static T SmoothedStandardizedSum<T>(IOps<T> o, VaeSpec spec, PosteriorMeanPass<T> p) where T : class =>
        o.Add(
            StandardizedLog(o, SmoothedReconstructionError(o, spec, p), ScoreStatistics.SmoothedErrorLogMean, ScoreStatistics.SmoothedErrorLogScale),
            StandardizedLog(o, LatentMahalanobis(o, p), ScoreStatistics.MahalanobisLogMean, ScoreStatistics.MahalanobisLogScale));

    /// <summary>
    /// The standardized logs of the 3x3-smoothed error, of the latent distance at half weight and of the unsmoothed
    /// squared error in raw units (<see cref="PixelError"/>) at a tenth: the parts term that wins on clothes, a distance
    /// that helps there and misleads on small digit sets (so half), and the pixel-scale error where a missing or extra
    /// thin stroke shows (a 3x3 mean divides a one-pixel line's error by nine). The weights are the ones that kept
    /// every image set of the harness within 0.005 of its best configuration (Scores/README.md). Images only.
    /// </summary>
    public static T MultiscaleStandardizedSum<T>(IOps<T> o, VaeSpec spec, PosteriorMeanPass<T> p) where T : class
    {
        var residual = RawResidual(o, spec, p);
        return o.Add(o.Add(
            StandardizedLog(o, SmoothedError(o, spec, residual), ScoreStatistics.SmoothedErrorLogMean, ScoreStatistics.SmoothedErrorLogScale),
            o.Scale(StandardizedLog(o, LatentMahalanobis(o, p), ScoreStatistics.MahalanobisLogMean, ScoreStatistics.MahalanobisLogScale), MultiscaleDistanceWeight)),
            o.Scale(StandardizedLog(o, PixelError(o, residual), ScoreStatistics.PixelErrorLogMean, ScoreStatistics.PixelErrorLogScale), MultiscalePixelWeight));
    }

    /// <summary>The weights of <see cref="MultiscaleStandardizedSum"/>'s distance and pixel-error terms (the smoothed error weighs 1).</summary>
    internal const float MultiscaleDistanceWeight = 0.5f, MultiscalePixelWeight = 0.1f;

    /// <summary>The residual row - reconstruction in raw units (pixels), [rows, D].</summary>
    internal static T RawResidual<T>(IOps<T> o, VaeSpec spec, PosteriorMeanPass<T> p) where T : class =>
        o.Mul(o.Sub(p.X, Network.Mean(o, spec, p.Output)), o.Buffer(VaeSpec.InputScale));

    /// <summary>Sum of squares of a residual [rows, D], [rows, 1].</summary>
    internal static T PixelError<T>(IOps<T> o, T residual) where T : class => o.RowSum(o.Square(residual));

    /// <summary>Sum of squares of a residual [rows, D] after each pixel becomes the mean of its 3x3 neighbourhood, [rows, 1].</summary>
    internal static T SmoothedError<T>(IOps<T> o, VaeSpec spec, T residual) where T : class
    {
        var (c, h, w) = spec.Image ?? throw new ArgumentException("the smoothed and multiscale scores need images (VaeOptions.ImageShape)");
        return o.RowSum(o.Square(o.LocalMean(residual, c, h, w)));
    }

    /// <summary>(ln max(value, <see cref="LogFloor"/>) - statistic mean) / statistic scale.</summary>
    private static T StandardizedLog<T>(IOps<T> o, T value, string mean, string scale) where T : class =>
        Standardized(o, o.Log(o.Clamp(value, LogFloor, float.MaxValue)), mean, scale);

    /// <summary>(value - statistic mean) / statistic scale, the z-score both standardized sums take of their terms.</summary>
    private static T Standardized<T>(IOps<T> o, T value, string mean, string scale) where T : class =>
        o.Div(o.Sub(value, o.Buffer(mean)), o.Buffer(scale));

    /// <summary>Sums of squares are floored here before their log, so an exact 0 gives a finite (very low) score.</summary>
    internal const float LogFloor = 1e-30f;

    /// <summary>A deterministic score by name; the sampled ones are not deterministic and are refused.</summary>
    public static T Deterministic<T>(IOps<T> o, VaeSpec spec, PosteriorMeanPass<T> p, AnomalyScore score) where T : class => score switch
    {
        AnomalyScore.CorrectedNegElbo => CorrectedNegElbo(o, spec, p),
        AnomalyScore.ReconstructionDivergence => ReconstructionDivergence(o, spec, p),
        AnomalyScore.ReconstructionError => ReconstructionError(o, spec, p),
        AnomalyScore.LatentMahalanobis => LatentMahalanobis(o, p),
        AnomalyScore.Combined => Combined(o, spec, p),
        AnomalyScore.StandardizedSum => StandardizedSum(o, spec, p),
        AnomalyScore.SmoothedReconstructionError => SmoothedReconstructionError(o, spec, p),
        AnomalyScore.SmoothedStandardizedSum => SmoothedStandardizedSum(o, spec, p),
        AnomalyScore.MultiscaleStandardizedSum => MultiscaleStandardizedSum(o, spec, p),
        _ => throw new ArgumentOutOfRangeException(nameof(score), score, "not a deterministic score"),
    };

    /// <summary>True for the scores that read fitted statistics (<see cref="ScoreStatistics"/>).</summary>
    public static bool NeedsStatistics(AnomalyScore score) =>
        score is AnomalyScore.LatentMahalanobis or AnomalyScore.Combined or AnomalyScore.StandardizedSum or AnomalyScore.SmoothedStandardizedSum
            or AnomalyScore.MultiscaleStandardizedSum;

    /// <summary>True for the scores defined on images only (they smooth over pixel neighbourhoods).</summary>
    public static bool NeedsImages(AnomalyScore score) =>
        score is AnomalyScore.SmoothedReconstructionError or AnomalyScore.SmoothedStandardizedSum or AnomalyScore.MultiscaleStandardizedSum;

    /// <summary>
    /// One importance sample's log-weight per row, [rows, 1], for IWAE (Burda et al. 2016):
    /// log p(x|z) + log p(z) - log q(z|x) with z = mean + sigma eps, where log p(z) - log q(z|x) =
    /// sum_j 0.5 (eps_j^2 - z_j^2 + logVar_j) (the 2 pi terms cancel).
    /// </summary>
    public static T IwaeLogWeight<T>(IOps<T> o, VaeSpec spec, T x, T mean, T logVar, T eps) where T : class
    {
        var z = Network.Sample(o, mean, logVar, eps);
        var logRatio = o.Scale(o.RowSum(o.Add(o.Sub(o.Square(eps), o.Square(z)), logVar)), 0.5f);
        return o.Sub(logRatio, Likelihood.Nll(o, spec, Network.Decode(o, spec, z), x));
    }
}
