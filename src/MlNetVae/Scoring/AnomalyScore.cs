namespace MlNetVae.Scoring;

/// <summary>
/// The per-row anomaly scores a trained VAE yields; higher always means more unusual. All but the first two are
/// deterministic (evaluated once, at z = the posterior mean) and so can be computed by an ONNX graph as well.
/// </summary>
public enum AnomalyScore
{
    /// <summary>
    /// -ELBO = -E_q[log p(x|z)] + KL(q(z|x) || p(z)), averaged over <see cref="AnomalyScorer.SampledDraws"/> draws of z.
    /// The textbook score, but on continuous [0, 1] data with a Bernoulli likelihood its reconstruction term includes
    /// the entropy of the pixels themselves, so dark, plain images look likely whatever they show. Sampled: not exact in ONNX.
    /// </summary>
    NegElbo,

    /// <summary>
    /// The importance-weighted estimate of -log p(x) with <see cref="AnomalyScorer.SampledDraws"/> samples
    /// (Burda et al. 2016): a tighter bound than -ELBO with the same entropy bias. Sampled: not exact in ONNX.
    /// </summary>
    IwaeNll,

    /// <summary>
    /// The reconstruction term at z = posterior mean minus what a perfect reconstruction of this row would pay:
    /// per Bernoulli column KL(Bernoulli(x) || Bernoulli(p)), per Gaussian column 0.5 (x - m)^2 / s^2 in standardized
    /// units with the learned variance s^2, per one-hot group the cross-entropy. Removes the entropy bias of -ELBO;
    /// it sees only what the decoder cannot reproduce, not whether the code itself is unusual.
    /// </summary>
    ReconstructionDivergence,

    /// <summary>
    /// Squared error of the reconstruction at z = posterior mean in model units (pixel values; standardized
    /// values, so columns of any scale count alike). Ignores the learned variances: every column weighs the same.
    /// </summary>
    ReconstructionError,

    /// <summary>
    /// <see cref="ReconstructionDivergence"/> + KL(q(z|x) || N(0, I)): the -ELBO at z = posterior mean without the
    /// reconstruction floor. Adds how far the code sits from the prior; needs no fitted statistics.
    /// </summary>
    CorrectedNegElbo,

    /// <summary>
    /// Squared Mahalanobis distance of the posterior mean under a Gaussian fitted to the training rows' aggregate
    /// posterior (covariance of the means plus the mean posterior variance). Catches rows the decoder can still
    /// reconstruct but whose code is unlike the training codes; blind to detail the latent space does not keep.
    /// </summary>
    LatentMahalanobis,

    /// <summary>
    /// <see cref="ReconstructionDivergence"/> and <see cref="LatentMahalanobis"/>, each standardized by its mean and
    /// standard deviation over the training rows, summed: a row is unusual if it is badly reconstructed, or its
    /// code is far from the training codes, on a common scale.
    /// </summary>
    Combined,
}
