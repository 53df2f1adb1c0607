namespace MlNetVae;

/// <summary>
/// The per-row anomaly scores a trained VAE yields; higher always means more unusual. All but the first two are
/// deterministic (evaluated once, at z = the posterior mean) and so can be computed by an ONNX graph as well.
/// AUROCs quoted are means from AnomalyBenchmark with default options: one-class Fashion-MNIST over the 10 classes
/// (the image defaults: conv, Gaussian likelihood), breast cancer over 5 splits (the tables' defaults); Isolation Forest
/// has 0.917 and 0.958. src/MlNetVae/Graph/SCORES.md has the full tables, the dense Bernoulli image model's included.
/// </summary>
public enum AnomalyScore
{
    /// <summary>
    /// -ELBO = -E_q[log p(x|z)] + KL(q(z|x) || p(z)), averaged over 10 draws of z.
    /// The textbook score, but on continuous [0, 1] data with a Bernoulli likelihood its reconstruction term includes
    /// the entropy of the pixels themselves, so dark, plain images look likely whatever they show (the dense Bernoulli
    /// model: Fashion-MNIST 0.73). With a Gaussian likelihood that term is a constant: Fashion-MNIST 0.925, breast
    /// cancer 0.952. Sampled: not exact in ONNX.
    /// </summary>
    NegElbo,

    /// <summary>
    /// The importance-weighted estimate of -log p(x) with 10 samples
    /// (Burda et al. 2016): a tighter bound than -ELBO with the same entropy bias. Sampled: not exact in ONNX.
    /// </summary>
    IwaeNll,

    /// <summary>
    /// The reconstruction term at z = posterior mean minus what a perfect reconstruction of this row would pay:
    /// per Bernoulli column KL(Bernoulli(x) || Bernoulli(p)), per Gaussian column 0.5 (x - m)^2 / s^2 in standardized
    /// units with the learned variance s^2, per one-hot group the cross-entropy. Removes the entropy bias of -ELBO;
    /// it sees only what the decoder cannot reproduce, not whether the code itself is unusual: strong on images
    /// (Fashion-MNIST 0.925), weaker on tables whose anomalies are extreme but well reconstructed (breast cancer 0.934).
    /// </summary>
    ReconstructionDivergence,

    /// <summary>
    /// Squared error of the reconstruction at z = posterior mean in model units (pixel values; standardized
    /// values, so columns of any scale count alike). Ignores the learned variances: every column weighs the same.
    /// Slightly below <see cref="ReconstructionDivergence"/> everywhere measured (Fashion-MNIST 0.924, breast cancer 0.931).
    /// </summary>
    ReconstructionError,

    /// <summary>
    /// <see cref="ReconstructionDivergence"/> + KL(q(z|x) || N(0, I)): the -ELBO at z = posterior mean without the
    /// reconstruction floor. Adds how far the code sits from the prior; needs no fitted statistics. Tables' default
    /// (<see cref="VaeSpec.Score"/>): Fashion-MNIST 0.925, breast cancer 0.953.
    /// </summary>
    CorrectedNegElbo,

    /// <summary>
    /// Squared Mahalanobis distance of the posterior mean under a Gaussian fitted to the training rows' aggregate
    /// posterior (covariance of the means plus the mean posterior variance). Catches rows the decoder can still
    /// reconstruct but whose code is unlike the training codes; blind to detail the latent space does not keep.
    /// Strong alone on tables with extreme anomalies (breast cancer 0.957), weaker on images (Fashion-MNIST 0.909).
    /// </summary>
    LatentMahalanobis,

    /// <summary>
    /// <see cref="ReconstructionDivergence"/> + 0.5 <see cref="LatentMahalanobis"/>, in nats: the negative log joint
    /// density -log p(x, z) at z = posterior mean with both floors removed, where the prior is the Gaussian fitted to
    /// the training rows' codes instead of N(0, I). A row is unusual if the decoder cannot reproduce it or its code is
    /// unlike the training codes, each weighed by its own likelihood, so neither needs a hand-set weight.
    /// Fashion-MNIST 0.925, breast cancer 0.946.
    /// </summary>
    Combined,

    /// <summary>
    /// <see cref="ReconstructionDivergence"/> and <see cref="LatentMahalanobis"/>, each standardized by its mean and
    /// standard deviation over the training rows, then summed: equal weight to both on a common scale. The best score on
    /// breast cancer (0.959); Fashion-MNIST 0.930 (the images' default before <see cref="SmoothedStandardizedSum"/>).
    /// </summary>
    StandardizedSum,

    /// <summary>
    /// Squared error of the reconstruction in pixel units after the residual is smoothed by a 3x3 local mean: errors the
    /// size of a stroke or a part count, pixel-scale texture the decoder cannot reproduce on normal images either counts
    /// little. Images only (<see cref="VaeOptions.ImageShape"/>). Fashion-MNIST 0.932.
    /// </summary>
    SmoothedReconstructionError,

    /// <summary>
    /// The logs of <see cref="SmoothedReconstructionError"/> and <see cref="LatentMahalanobis"/>, each standardized by
    /// its mean and standard deviation over the training rows, then summed. Images only; the images' default before
    /// <see cref="MultiscaleStandardizedSum"/>: Fashion-MNIST 0.940.
    /// </summary>
    SmoothedStandardizedSum,

    /// <summary>
    /// The standardized logs of <see cref="SmoothedReconstructionError"/>, of <see cref="LatentMahalanobis"/> at half
    /// weight and of the unsmoothed squared error in pixel units at a tenth, so the error is read at two scales (3x3
    /// means: parts; pixels: thin strokes) beside the code's distance. Images only; the images' default before
    /// <see cref="RelativeMultiscaleSum"/> (Fashion-MNIST 0.940, the same with 690 images per class 0.935, sklearn's 8x8
    /// digits 0.993).
    /// </summary>
    MultiscaleStandardizedSum,

    /// <summary>
    /// <see cref="MultiscaleStandardizedSum"/> with its smoothed error read in units of each pixel's usual error: every
    /// pixel's 3x3-smoothed squared error is divided by its mean over the training rows (plus 0.3 of that mean's average
    /// over pixels, so a pixel the training rows never got wrong does not divide by zero) and smoothed once more, before
    /// the sum and its log. Prints, folds and edges that the model always reconstructs badly then weigh what they
    /// usually weigh, so the error a foreign part adds stands out in the anomaly map (<c>FeatureContributions</c>): on
    /// Fashion-MNIST with a pasted 6x6 patch the map's largest pixel falls inside it in 82% of the images for a bright
    /// square and 76% for a piece of another image (68% and 58% with the multiscale sum), at the same AUROC within
    /// 0.0005 on every image set of the harness. Images only; the images' default before <see cref="StructuralMultiscaleSum"/>.
    /// </summary>
    RelativeMultiscaleSum,

    /// <summary>
    /// <see cref="RelativeMultiscaleSum"/> plus, at 1.5 times the weight of its smoothed error, the standardized log of the
    /// structural dissimilarity (one minus SSIM, Wang et al. 2004, per pixel, in units of each pixel's usual level and
    /// smoothed like the error): SSIM compares the local pattern of the image and its reconstruction whatever its
    /// brightness, so a print, texture or stroke the model cannot reproduce counts though its squared error is small.
    /// Images only; images' default (<see cref="VaeSpec.Score"/>): with the default image model, Fashion-MNIST 0.9456 (0.9395
    /// with <see cref="RelativeMultiscaleSum"/> before the model's dense layer), the same with 690 images per class 0.9420,
    /// sklearn's 8x8 digits 0.9963. Its anomaly map finds a pasted 6x6 patch in 81% of the images for a bright square and
    /// 75% for a piece of another image.
    /// </summary>
    StructuralMultiscaleSum,
}

/// <summary>What a score needs that the spec can check, written once: the options, the scorer and the exporter ask here.</summary>
internal static class AnomalyScores
{
    /// <summary>True for the scores averaged over random draws of z (not computed by a graph, not a Score column).</summary>
    public static bool IsSampled(AnomalyScore score) => score is AnomalyScore.NegElbo or AnomalyScore.IwaeNll;

    /// <summary>True for the scores defined on images only (they smooth over pixel neighbourhoods).</summary>
    public static bool NeedsImages(AnomalyScore score) =>
        score is AnomalyScore.SmoothedReconstructionError or AnomalyScore.SmoothedStandardizedSum or AnomalyScore.MultiscaleStandardizedSum
            or AnomalyScore.RelativeMultiscaleSum or AnomalyScore.StructuralMultiscaleSum;

    /// <summary>The deterministic scores, which a Score column and a graph can compute.</summary>
    public static IEnumerable<AnomalyScore> Deterministic => Enum.GetValues<AnomalyScore>().Where(s => !IsSampled(s));
}
