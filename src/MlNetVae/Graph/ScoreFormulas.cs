namespace MlNetVae.Graph;

/// <summary>
/// Every anomaly score, written once over <see cref="IOps{T}"/>: the managed scorer, the ONNX scorer graph and the
/// report compute these same definitions. Each returns one value per row, [rows, 1], higher = more unusual, from one
/// <see cref="ForwardPass{T}"/>. The sampled scores (<see cref="AnomalyScore.NegElbo"/>, <see cref="AnomalyScore.IwaeNll"/>)
/// average or combine per-draw terms defined here; <see cref="ScoreStatistics"/> names the fitted buffers some scores read.
/// </summary>
internal static class ScoreFormulas
{
    /// <summary>
    /// Tables' default anomaly score, <see cref="AnomalyScore.CorrectedNegElbo"/>: the reconstruction's divergence from the
    /// row at z = posterior mean (the -ELBO without the entropy floor of the row itself) plus KL(q(z|x) || N(0, I)).
    /// </summary>
    public static T CorrectedNegElbo<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class =>
        o.Add(Likelihood.Divergence(o, spec, p.Output, p.X), Kl.PerRow(o, p.Mean, p.LogVar));

    /// <summary>The ELBO's two terms evaluated once at z = posterior mean, each [rows, 1]: -log p(x|z = mean) and KL(q(z|x) || N(0, I)).</summary>
    public static (T Reconstruction, T Kl) ElboAtMean<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class =>
        (Likelihood.Nll(o, spec, p.Output, p.X), Kl.PerRow(o, p.Mean, p.LogVar));

    /// <summary>The negative ELBO at z = posterior mean, the sum of <see cref="ElboAtMean{T}"/>'s terms (scorer.onnx's neg_elbo).</summary>
    public static T NegElboAtMean<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class
    {
        var (reconstruction, kl) = ElboAtMean(o, spec, p);
        return o.Add(reconstruction, kl);
    }

    /// <summary>The reconstruction's divergence at z = posterior mean alone.</summary>
    public static T ReconstructionDivergence<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class =>
        Likelihood.Divergence(o, spec, p.Output, p.X);

    /// <summary>Squared error of the likelihood's mean at z = posterior mean, in model units (every column weighs the same).</summary>
    public static T ReconstructionError<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class =>
        o.RowSum(o.Square(o.Sub(p.X, Network.Mean(o, spec, p.Output))));

    /// <summary>Squared Mahalanobis distance of the posterior mean under the fitted aggregate posterior: || (mean - center) W ||^2.</summary>
    public static T LatentMahalanobis<T>(IOps<T> o, ForwardPass<T> p) where T : class =>
        o.RowSum(o.Square(o.MatMul(o.Sub(p.Mean, o.Buffer(ScoreStatistics.LatentCenter)), o.Buffer(ScoreStatistics.LatentWhitening))));

    /// <summary>Divergence + Mahalanobis / 2: -log p(x, z) at z = mean with both floors removed, under the fitted prior.</summary>
    public static T Combined<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class =>
        o.Add(ReconstructionDivergence(o, spec, p), o.Scale(LatentMahalanobis(o, p), 0.5f));

    /// <summary>
    /// Divergence and Mahalanobis distance, each standardized by its training mean and deviation
    /// (<see cref="StandardizedTerms"/>), summed.
    /// </summary>
    public static T StandardizedSum<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class =>
        SumOfStandardized(o, spec, p, AnomalyScore.StandardizedSum);

    /// <summary>
    /// Squared error of the reconstruction in raw units after both the row and its reconstruction are smoothed by the
    /// mean of each pixel's 3x3 neighbourhood (<see cref="IOps{T}.LocalMean"/>; smoothing is linear, so it is applied
    /// once, to the residual): an error the size of a stroke or a part counts, a pixel-scale texture the decoder cannot
    /// reproduce on normal images as well counts little. Images only.
    /// </summary>
    public static T SmoothedReconstructionError<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class =>
        SmoothedError(o, spec, RawResidual(o, spec, p));

    /// <summary>
    /// The logs of <see cref="SmoothedReconstructionError"/> and <see cref="LatentMahalanobis"/>, each standardized by
    /// its training mean and deviation (<see cref="StandardizedTerms"/>), summed. Both are sums of squares with long
    /// right tails; on the log scale the two tails weigh alike and neither component's outliers swamp the other.
    /// </summary>
    public static T SmoothedStandardizedSum<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class =>
        SumOfStandardized(o, spec, p, AnomalyScore.SmoothedStandardizedSum);

    /// <summary>
    /// The standardized logs of the 3x3-smoothed error, of the latent distance at half weight and of the unsmoothed
    /// squared error in raw units (<see cref="PixelError"/>) at a tenth (<see cref="StandardizedTerms"/>): the parts term
    /// that wins on clothes, a distance that helps there and misleads on small digit sets (so half), and the pixel-scale
    /// error where a missing or extra thin stroke shows (a 3x3 mean divides a one-pixel line's error by nine). The weights
    /// are the ones that kept every image set of the harness within 0.005 of its best configuration (Graph/SCORES.md).
    /// Images only.
    /// </summary>
    public static T MultiscaleStandardizedSum<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class =>
        SumOfStandardized(o, spec, p, AnomalyScore.MultiscaleStandardizedSum);

    /// <summary>
    /// The terms a standardized sum z-scores, each with the statistics (its mean and deviation over the training rows)
    /// it is standardized by and its weight in the sum; the fitter computes those statistics from these same terms.
    /// </summary>
    public static (ScoreTerm Term, string Mean, string Scale, float Weight)[] StandardizedTerms(AnomalyScore score) => score switch
    {
        AnomalyScore.StandardizedSum =>
        [
            (ScoreTerm.Divergence, ScoreStatistics.DivergenceMean, ScoreStatistics.DivergenceScale, 1f),
            (ScoreTerm.Mahalanobis, ScoreStatistics.MahalanobisMean, ScoreStatistics.MahalanobisScale, 1f),
        ],
        AnomalyScore.SmoothedStandardizedSum =>
        [
            (ScoreTerm.SmoothedErrorLog, ScoreStatistics.SmoothedErrorLogMean, ScoreStatistics.SmoothedErrorLogScale, 1f),
            (ScoreTerm.MahalanobisLog, ScoreStatistics.MahalanobisLogMean, ScoreStatistics.MahalanobisLogScale, 1f),
        ],
        AnomalyScore.MultiscaleStandardizedSum =>
        [
            (ScoreTerm.SmoothedErrorLog, ScoreStatistics.SmoothedErrorLogMean, ScoreStatistics.SmoothedErrorLogScale, 1f),
            (ScoreTerm.MahalanobisLog, ScoreStatistics.MahalanobisLogMean, ScoreStatistics.MahalanobisLogScale, 0.5f),
            (ScoreTerm.PixelErrorLog, ScoreStatistics.PixelErrorLogMean, ScoreStatistics.PixelErrorLogScale, 0.1f),
        ],
        _ => [],
    };

    /// <summary>One term of a standardized sum, per row, [rows, 1].</summary>
    public static T Term<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p, ScoreTerm term) where T : class => term switch
    {
        ScoreTerm.Divergence => ReconstructionDivergence(o, spec, p),
        ScoreTerm.Mahalanobis => LatentMahalanobis(o, p),
        ScoreTerm.SmoothedErrorLog => FlooredLog(o, SmoothedReconstructionError(o, spec, p)),
        ScoreTerm.PixelErrorLog => FlooredLog(o, PixelError(o, RawResidual(o, spec, p))),
        _ => FlooredLog(o, LatentMahalanobis(o, p)),
    };

    /// <summary>Sum over the score's terms of weight x (term - training mean) / training deviation.</summary>
    private static T SumOfStandardized<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p, AnomalyScore score) where T : class
    {
        T? sum = null;
        foreach (var (term, mean, scale, weight) in StandardizedTerms(score))
        {
            var z = o.Div(o.Sub(Term(o, spec, p, term), o.Buffer(mean)), o.Buffer(scale));
            if (weight != 1f) z = o.Scale(z, weight);
            sum = sum is null ? z : o.Add(sum, z);
        }
        return sum!;
    }

    /// <summary>The residual row - reconstruction in raw units (pixels), [rows, D].</summary>
    private static T RawResidual<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class =>
        o.Mul(o.Sub(p.X, Network.Mean(o, spec, p.Output)), o.Buffer(VaeSpec.InputScale));

    /// <summary>Sum of squares of a residual [rows, D], [rows, 1].</summary>
    internal static T PixelError<T>(IOps<T> o, T residual) where T : class => o.RowSum(o.Square(residual));

    /// <summary>Sum of squares of a residual [rows, D] after each pixel becomes the mean of its 3x3 neighbourhood, [rows, 1].</summary>
    private static T SmoothedError<T>(IOps<T> o, VaeSpec spec, T residual) where T : class
    {
        var (c, h, w) = spec.Image ?? throw new ArgumentException("the smoothed and multiscale scores need images (VaeOptions.ImageShape)");
        return o.RowSum(o.Square(o.LocalMean(residual, c, h, w)));
    }

    /// <summary>ln max(value, <see cref="SharedNumerics.LogFloor"/>): sums of squares are floored before their log, so an exact 0 gives a finite
    /// (very low) score.</summary>
    private static T FlooredLog<T>(IOps<T> o, T value) where T : class => o.Log(o.Clamp(value, SharedNumerics.LogFloor, float.MaxValue));

    /// <summary>A deterministic score by name; the sampled ones are not deterministic and are refused.</summary>
    public static T Deterministic<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p, AnomalyScore score) where T : class => score switch
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

/// <summary>The terms the standardized sums are made of (<see cref="ScoreFormulas.StandardizedTerms"/>).</summary>
internal enum ScoreTerm
{
    /// <summary><see cref="ScoreFormulas.ReconstructionDivergence{T}"/>.</summary>
    Divergence,
    /// <summary><see cref="ScoreFormulas.LatentMahalanobis{T}"/>.</summary>
    Mahalanobis,
    /// <summary>The floored log of <see cref="ScoreFormulas.SmoothedReconstructionError{T}"/>.</summary>
    SmoothedErrorLog,
    /// <summary>The floored log of <see cref="ScoreFormulas.LatentMahalanobis{T}"/>.</summary>
    MahalanobisLog,
    /// <summary>The floored log of <see cref="ScoreFormulas.PixelError{T}"/> of the raw residual.</summary>
    PixelErrorLog,
}
