namespace MlNetVae.Graph;

/// <summary>
/// Every anomaly score, written once over <see cref="IOps{T}"/>: the managed scorer, the ONNX scorer graph and the
/// report compute these same definitions. Each returns one value per row, [rows, 1], higher = more unusual, from one
/// <see cref="ForwardPass{T}"/>. The sampled scores (<see cref="AnomalyScore.NegElbo"/>, <see cref="AnomalyScore.IwaeNll"/>)
/// average or combine per-draw terms defined here; <see cref="ScoreStatistics"/> names the fitted buffers some scores read.
/// </summary>
internal static class ScoreFormulas
{
    /// <summary>The ELBO's two terms evaluated once at z = posterior mean, each [rows, 1]: -log p(x|z = mean) and KL(q(z|x) || N(0, I)).</summary>
    public static (T Reconstruction, T Kl) ElboAtMean<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class =>
        (Likelihood.Nll(o, spec, p.Output, p.X), Kl.PerRow(o, p.Mean, p.LogVar));

    /// <summary>The negative ELBO at z = posterior mean, the sum of <see cref="ElboAtMean{T}"/>'s terms (scorer.onnx's neg_elbo).</summary>
    public static T NegElboAtMean<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class
    {
        var (reconstruction, kl) = ElboAtMean(o, spec, p);
        return o.Add(reconstruction, kl);
    }

    /// <summary>
    /// Each deterministic score as the sum of its parts (SCORES.md has the formulas and when each score works):
    /// <list type="bullet">
    /// <item><see cref="AnomalyScore.CorrectedNegElbo"/>, tables' default: the reconstruction's divergence from the row at
    /// z = posterior mean (the -ELBO without the entropy floor of the row itself) plus KL(q(z|x) || N(0, I)).</item>
    /// <item><see cref="AnomalyScore.Combined"/>: divergence + Mahalanobis / 2, -log p(x, z) at z = mean with both floors
    /// removed, under the fitted prior.</item>
    /// <item><see cref="AnomalyScore.StandardizedSum"/> and <see cref="AnomalyScore.SmoothedStandardizedSum"/>: two terms, each
    /// standardized by its training mean and deviation, summed; the smoothed one takes logs of the smoothed error and the
    /// Mahalanobis distance (both sums of squares with long right tails: on the log scale the two tails weigh alike and
    /// neither component's outliers swamp the other).</item>
    /// <item><see cref="AnomalyScore.MultiscaleStandardizedSum"/>, images' default: the standardized logs of the 3x3-smoothed
    /// error, of the latent distance at half weight and of the unsmoothed squared error in raw units at a tenth: the parts
    /// term that wins on clothes, a distance that helps there and misleads on small digit sets (so half), and the
    /// pixel-scale error where a missing or extra thin stroke shows (a 3x3 mean divides a one-pixel line's error by nine).
    /// The weights are the ones that kept every image set of the harness within 0.005 of its best configuration.</item>
    /// <item>The others are one term each.</item>
    /// </list>
    /// </summary>
    public static ScorePart[] Parts(AnomalyScore score) => score switch
    {
        AnomalyScore.CorrectedNegElbo => [new(ScoreTerm.Divergence), new(ScoreTerm.Kl)],
        AnomalyScore.ReconstructionDivergence => [new(ScoreTerm.Divergence)],
        AnomalyScore.ReconstructionError => [new(ScoreTerm.SquaredError)],
        AnomalyScore.LatentMahalanobis => [new(ScoreTerm.Mahalanobis)],
        AnomalyScore.Combined => [new(ScoreTerm.Divergence), new(ScoreTerm.Mahalanobis, 0.5f)],
        AnomalyScore.StandardizedSum =>
        [
            new(ScoreTerm.Divergence, Mean: ScoreStatistics.DivergenceMean, Scale: ScoreStatistics.DivergenceScale),
            new(ScoreTerm.Mahalanobis, Mean: ScoreStatistics.MahalanobisMean, Scale: ScoreStatistics.MahalanobisScale),
        ],
        AnomalyScore.SmoothedReconstructionError => [new(ScoreTerm.SmoothedError)],
        AnomalyScore.SmoothedStandardizedSum =>
        [
            new(ScoreTerm.SmoothedErrorLog, Mean: ScoreStatistics.SmoothedErrorLogMean, Scale: ScoreStatistics.SmoothedErrorLogScale),
            new(ScoreTerm.MahalanobisLog, Mean: ScoreStatistics.MahalanobisLogMean, Scale: ScoreStatistics.MahalanobisLogScale),
        ],
        AnomalyScore.MultiscaleStandardizedSum =>
        [
            new(ScoreTerm.SmoothedErrorLog, Mean: ScoreStatistics.SmoothedErrorLogMean, Scale: ScoreStatistics.SmoothedErrorLogScale),
            new(ScoreTerm.MahalanobisLog, 0.5f, ScoreStatistics.MahalanobisLogMean, ScoreStatistics.MahalanobisLogScale),
            new(ScoreTerm.PixelErrorLog, 0.1f, ScoreStatistics.PixelErrorLogMean, ScoreStatistics.PixelErrorLogScale),
        ],
        AnomalyScore.RelativeMultiscaleSum =>
        [
            new(ScoreTerm.RelativeSmoothedErrorLog, Mean: ScoreStatistics.RelativeSmoothedErrorLogMean, Scale: ScoreStatistics.RelativeSmoothedErrorLogScale),
            new(ScoreTerm.MahalanobisLog, 0.5f, ScoreStatistics.MahalanobisLogMean, ScoreStatistics.MahalanobisLogScale),
            new(ScoreTerm.PixelErrorLog, 0.1f, ScoreStatistics.PixelErrorLogMean, ScoreStatistics.PixelErrorLogScale),
        ],
        AnomalyScore.StructuralMultiscaleSum =>
        [
            new(ScoreTerm.RelativeSmoothedErrorLog, Mean: ScoreStatistics.RelativeSmoothedErrorLogMean, Scale: ScoreStatistics.RelativeSmoothedErrorLogScale),
            new(ScoreTerm.RelativeStructuralErrorLog, StructuralWeight, ScoreStatistics.RelativeStructuralErrorLogMean,
                ScoreStatistics.RelativeStructuralErrorLogScale),
            new(ScoreTerm.MahalanobisLog, 0.5f, ScoreStatistics.MahalanobisLogMean, ScoreStatistics.MahalanobisLogScale),
            new(ScoreTerm.PixelErrorLog, 0.1f, ScoreStatistics.PixelErrorLogMean, ScoreStatistics.PixelErrorLogScale),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(score), score, "not a deterministic score"),
    };

    /// <summary>
    /// The structural term's weight in <see cref="AnomalyScore.StructuralMultiscaleSum"/>, beside the relative smoothed
    /// error's 1: within 0.0005 of the best weight tried on every image set of the harness (0.5, 1, 1.5 and 2; 2 gains
    /// 0.0005 at 690 Fashion-MNIST images per class and nothing on the full set; SCORES.md).
    /// </summary>
    private const float StructuralWeight = 1.5f;

    /// <summary>
    /// The standardized parts of a score, each with the statistics (its mean and deviation over the training rows) it is
    /// standardized by; the fitter computes those statistics from these same terms. None for the sampled scores.
    /// </summary>
    public static IEnumerable<ScorePart> StandardizedTerms(AnomalyScore score) =>
        AnomalyScores.IsSampled(score) ? [] : Parts(score).Where(part => part.Mean is not null);

    /// <summary>A deterministic score by name, [rows, 1]: the sum of its <see cref="Parts"/>; the sampled scores are refused.</summary>
    public static T Deterministic<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p, AnomalyScore score) where T : class
    {
        T? sum = null;
        foreach (var part in Parts(score))
        {
            var value = Value(o, spec, p, part);
            sum = sum is null ? value : o.Add(sum, value);
        }
        return sum!;
    }

    /// <summary>
    /// A deterministic score split between the explained features (<see cref="ExplainedFeatures"/>), [rows, F], and the
    /// posterior, [rows, 1]; per row the features' values and the posterior's add up to the score (to float rounding).
    /// The posterior gets the latent parts (the KL, the Mahalanobis distance) whole. A feature part that is a weighted
    /// sum over features gives each feature its own weighted term; a standardized or logged one, whose offset and log do
    /// not split over features, gives each feature its share of the part's sum times the part's value (so every feature
    /// of a row has the sign of that value, and a row with an unusually small error has negative contributions).
    /// </summary>
    public static (T Features, T Latent) Split<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p, AnomalyScore score) where T : class
    {
        T? features = null, latent = null;
        foreach (var part in Parts(score))
        {
            if (IsLatent(part.Term))
            {
                var value = Value(o, spec, p, part);
                latent = latent is null ? value : o.Add(latent, value);
                continue;
            }
            var perFeature = PerFeature(o, spec, p, part.Term); // (rows, F)
            T contribution;
            if (part.Mean is null && !IsLogged(part.Term)) contribution = part.Weight == 1f ? perFeature : o.Scale(perFeature, part.Weight);
            else
            {
                // A logged term is the log of these values' sum: its value comes from that sum, not from computing the values again.
                var sum = o.RowSum(perFeature); // (rows, 1)
                var value = IsLogged(part.Term) ? Standardized(o, part, FlooredLog(o, sum)) : Value(o, spec, p, part);
                contribution = o.Mul(o.Div(perFeature, o.Clamp(sum, SharedNumerics.LogFloor, float.MaxValue)), value);
            }
            features = features is null ? contribution : o.Add(features, contribution);
        }
        // A score without a feature part (or without a latent one) gives that side zeros of its shape.
        features ??= o.Scale(ExplainedFeatures.Group(o, spec, p.X), 0f);
        latent ??= o.Scale(o.RowSum(p.Mean), 0f);
        return (features, latent);
    }

    /// <summary>One term per row, [rows, 1] (the standardized sums' terms, whose training statistics the fitter computes with it).</summary>
    public static T Term<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p, ScoreTerm term) where T : class => term switch
    {
        ScoreTerm.Divergence => Likelihood.Divergence(o, spec, p.Output, p.X),
        ScoreTerm.Mahalanobis => LatentMahalanobis(o, p),
        ScoreTerm.SmoothedErrorLog => FlooredLog(o, o.RowSum(SmoothedSquares(o, spec, p))),
        ScoreTerm.MahalanobisLog => FlooredLog(o, LatentMahalanobis(o, p)),
        ScoreTerm.PixelErrorLog => FlooredLog(o, o.RowSum(PixelSquares(o, spec, p))),
        ScoreTerm.RelativeSmoothedErrorLog => FlooredLog(o, o.RowSum(RelativeSmoothedSquares(o, spec, p))),
        ScoreTerm.RelativeStructuralErrorLog => FlooredLog(o, o.RowSum(RelativeStructuralDissimilarity(o, spec, p))),
        ScoreTerm.Kl => Kl.PerRow(o, p.Mean, p.LogVar),
        ScoreTerm.SquaredError => o.RowSum(SquaredErrors(o, spec, p)),
        ScoreTerm.SmoothedError => o.RowSum(SmoothedSquares(o, spec, p)),
        _ => throw new ArgumentOutOfRangeException(nameof(term), term, "unknown score term"),
    };

    /// <summary>A part's value per row, [rows, 1]: its term, standardized by its training mean and deviation when it has them, times its weight.</summary>
    private static T Value<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p, ScorePart part) where T : class =>
        Standardized(o, part, Term(o, spec, p, part.Term));

    /// <summary>A part's term per row, [rows, 1], standardized when the part has statistics, times its weight.</summary>
    private static T Standardized<T>(IOps<T> o, ScorePart part, T term) where T : class
    {
        if (part.Mean is not null) term = o.Div(o.Sub(term, o.Buffer(part.Mean)), o.Buffer(part.Scale!));
        return part.Weight == 1f ? term : o.Scale(term, part.Weight);
    }

    /// <summary>True for the feature terms that are logs of sums over features (split by each feature's share of the sum).</summary>
    private static bool IsLogged(ScoreTerm term) =>
        term is ScoreTerm.SmoothedErrorLog or ScoreTerm.PixelErrorLog or ScoreTerm.RelativeSmoothedErrorLog or ScoreTerm.RelativeStructuralErrorLog;

    /// <summary>True for the terms of the posterior alone, which no feature owns.</summary>
    private static bool IsLatent(ScoreTerm term) => term is ScoreTerm.Kl or ScoreTerm.Mahalanobis or ScoreTerm.MahalanobisLog;

    /// <summary>A feature term's values per explained feature, [rows, F], summing per row to the term (the sum inside the log for the logged ones).</summary>
    private static T PerFeature<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p, ScoreTerm term) where T : class => term switch
    {
        ScoreTerm.Divergence => Likelihood.DivergencePerFeature(o, spec, p.Output, p.X),
        ScoreTerm.SquaredError => ExplainedFeatures.Group(o, spec, SquaredErrors(o, spec, p)),
        ScoreTerm.PixelErrorLog => ExplainedFeatures.Group(o, spec, PixelSquares(o, spec, p)),
        ScoreTerm.RelativeSmoothedErrorLog => ExplainedFeatures.Group(o, spec, RelativeSmoothedSquares(o, spec, p)),
        ScoreTerm.RelativeStructuralErrorLog => ExplainedFeatures.Group(o, spec, RelativeStructuralDissimilarity(o, spec, p)),
        _ => ExplainedFeatures.Group(o, spec, SmoothedSquares(o, spec, p)),
    };

    /// <summary>Squared error of the likelihood's mean at z = posterior mean per column, [rows, D], in model units (every column weighs the same).</summary>
    private static T SquaredErrors<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class =>
        o.Square(o.Sub(p.X, Network.Mean(o, spec, p.Output)));

    /// <summary>
    /// Per pixel, the squared reconstruction error in raw units after both the row and its reconstruction are smoothed by
    /// the mean of each pixel's 3x3 neighbourhood (<see cref="IOps{T}.LocalMean"/>; smoothing is linear, so it is applied
    /// once, to the residual), [rows, D]: an error the size of a stroke or a part counts, a pixel-scale texture the decoder
    /// cannot reproduce on normal images as well counts little. Images only.
    /// </summary>
    internal static T SmoothedSquares<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class
    {
        var (c, h, w) = ImageOf(spec);
        return o.Square(o.LocalMean(RawResidual(o, spec, p), c, h, w));
    }

    /// <summary>
    /// <see cref="SmoothedSquares{T}"/> in units of each pixel's usual level (<see cref="ScoreStatistics.SmoothedErrorUsual"/>),
    /// then smoothed by the 3x3 mean once more, [rows, D]: a garment's print, fold or edge that the model always gets
    /// somewhat wrong counts about 1 wherever it is, and an error where the training rows had none counts many times
    /// that; the second mean keeps a single pixel's ratio from outweighing a part. Images only.
    /// </summary>
    private static T RelativeSmoothedSquares<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class
    {
        var (c, h, w) = ImageOf(spec);
        return o.LocalMean(o.Div(SmoothedSquares(o, spec, p), o.Buffer(ScoreStatistics.SmoothedErrorUsual)), c, h, w);
    }

    /// <summary>
    /// Per pixel, one minus the structural similarity (SSIM, Wang et al. 2004) of the row and its reconstruction, in
    /// [0, 2], [rows, D]: how much the local brightness, contrast and pattern around the pixel differ, whatever their size
    /// in pixel units. Where the squared error sees a faint print or a thin stroke the model lost as a small number,
    /// SSIM sees its pattern gone. Both images are first mapped to [0, 1] by the training pixels' range
    /// (<see cref="ScoreStatistics.PixelLow"/>, <see cref="ScoreStatistics.PixelRange"/>), so SSIM's constants
    /// (0.01 and 0.03 of that range, squared) mean the same for any pixel scale. The window is the 3x3 mean applied
    /// twice: a 5x5 window weighing 1-2-3-2-1 along each axis, close to SSIM's Gaussian, built from the one local-mean
    /// operator every executor has. Images only.
    /// </summary>
    internal static T StructuralDissimilarity<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class
    {
        var (c, h, w) = ImageOf(spec);
        T Unit(T raw) => o.Div(o.Sub(raw, o.Buffer(ScoreStatistics.PixelLow)), o.Buffer(ScoreStatistics.PixelRange));
        T Window(T a) => o.LocalMean(o.LocalMean(a, c, h, w), c, h, w);
        var x = Unit(Network.ToRawUnits(o, p.X));
        var y = Unit(Network.RawMean(o, spec, p.Output));
        T mx = Window(x), my = Window(y);
        var means = o.Mul(mx, my);
        var meanSquares = o.Add(o.Square(mx), o.Square(my));
        var variances = o.Sub(Window(o.Add(o.Square(x), o.Square(y))), meanSquares); // var x + var y
        var covariance = o.Sub(Window(o.Mul(x, y)), means);
        var similarity = o.Div(
            o.Mul(o.AddScalar(o.Scale(means, 2f), SsimLuminanceConstant), o.AddScalar(o.Scale(covariance, 2f), SsimContrastConstant)),
            o.Mul(o.AddScalar(meanSquares, SsimLuminanceConstant), o.AddScalar(variances, SsimContrastConstant)));
        // SSIM lies in [-1, 1]; the clamp keeps float rounding from taking the dissimilarity a hair below 0.
        return o.Clamp(o.AddScalar(o.Scale(similarity, -1f), 1f), 0f, 2f);
    }

    /// <summary>SSIM's C1 = (0.01 L)^2 and C2 = (0.03 L)^2 for images in [0, 1] (L = 1), Wang et al.'s values.</summary>
    private const float SsimLuminanceConstant = 1e-4f, SsimContrastConstant = 9e-4f;

    /// <summary>
    /// <see cref="StructuralDissimilarity{T}"/> in units of each pixel's usual level (<see cref="ScoreStatistics.StructuralErrorUsual"/>),
    /// then smoothed by the 3x3 mean, [rows, D]: as <see cref="RelativeSmoothedSquares{T}"/> does for the error, so an
    /// edge the model always blurs weighs about 1 and a pattern where the training rows had none weighs many times that.
    /// Images only.
    /// </summary>
    private static T RelativeStructuralDissimilarity<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class
    {
        var (c, h, w) = ImageOf(spec);
        return o.LocalMean(o.Div(StructuralDissimilarity(o, spec, p), o.Buffer(ScoreStatistics.StructuralErrorUsual)), c, h, w);
    }

    private static (int Channels, int Height, int Width) ImageOf(VaeSpec spec) =>
        spec.Image ?? throw new ArgumentException("the smoothed and multiscale scores need images (VaeOptions.ImageShape)");

    /// <summary>Per pixel, the squared reconstruction error in raw units, unsmoothed, [rows, D] (the multiscale score's pixel-scale term).</summary>
    private static T PixelSquares<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class => o.Square(RawResidual(o, spec, p));

    /// <summary>The residual row - reconstruction in raw units (pixels), [rows, D].</summary>
    private static T RawResidual<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> p) where T : class =>
        o.Mul(o.Sub(p.X, Network.Mean(o, spec, p.Output)), o.Buffer(VaeSpec.InputScale));

    /// <summary>Squared Mahalanobis distance of the posterior mean under the fitted aggregate posterior: || (mean - center) W ||^2.</summary>
    private static T LatentMahalanobis<T>(IOps<T> o, ForwardPass<T> p) where T : class =>
        o.RowSum(o.Square(o.MatMul(o.Sub(p.Mean, o.Buffer(ScoreStatistics.LatentCenter)), o.Buffer(ScoreStatistics.LatentWhitening))));

    /// <summary>ln max(value, <see cref="SharedNumerics.LogFloor"/>): sums of squares are floored before their log, so an exact 0 gives a finite
    /// (very low) score.</summary>
    private static T FlooredLog<T>(IOps<T> o, T value) where T : class => o.Log(o.Clamp(value, SharedNumerics.LogFloor, float.MaxValue));

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

/// <summary>The per-row terms scores are made of (<see cref="ScoreFormulas.Parts"/>).</summary>
internal enum ScoreTerm
{
    /// <summary>The reconstruction's divergence from the row at z = posterior mean, a sum over features (<see cref="Likelihood.Divergence{T}"/>).</summary>
    Divergence,
    /// <summary>Squared Mahalanobis distance of the posterior mean under the fitted aggregate posterior (the posterior's).</summary>
    Mahalanobis,
    /// <summary>The floored log of <see cref="SmoothedError"/>.</summary>
    SmoothedErrorLog,
    /// <summary>The floored log of <see cref="Mahalanobis"/> (the posterior's).</summary>
    MahalanobisLog,
    /// <summary>The floored log of the unsmoothed squared error in raw units, a sum over pixels inside the log (images only).</summary>
    PixelErrorLog,
    /// <summary>KL(q(z|x) || N(0, I)) (the posterior's).</summary>
    Kl,
    /// <summary>Squared error of the likelihood's mean in model units, a sum over features.</summary>
    SquaredError,
    /// <summary>Squared error of the 3x3-smoothed residual in raw units, a sum over pixels (images only).</summary>
    SmoothedError,
    /// <summary>The floored log of the sum over pixels of the smoothed squared error over its usual level, smoothed again (images only).</summary>
    RelativeSmoothedErrorLog,
    /// <summary>The floored log of the sum over pixels of one minus SSIM over its usual level, smoothed (images only).</summary>
    RelativeStructuralErrorLog,
}

/// <summary>
/// One summand of a score: a term (standardized by two fitted statistics when <paramref name="Mean"/> is set) times
/// <paramref name="Weight"/>.
/// </summary>
/// <param name="Term">The term.</param>
/// <param name="Weight">Its weight (after standardizing, for a standardized one).</param>
/// <param name="Mean">The statistic holding the term's training mean, or null.</param>
/// <param name="Scale">The statistic holding the term's training deviation, or null.</param>
internal readonly record struct ScorePart(ScoreTerm Term, float Weight = 1f, string? Mean = null, string? Scale = null);
