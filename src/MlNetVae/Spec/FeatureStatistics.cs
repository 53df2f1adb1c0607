namespace MlNetVae.Spec;

/// <summary>
/// What a model learns about its input columns before training: each feature's likelihood (the
/// <see cref="FeatureLayout"/>) and the standardization of Gaussian features, (x - mean) / scale. Mean and scale are
/// 0 and 1 for every other feature, so the standardization is one affine map over all D features.
/// </summary>
/// <param name="Layout">The features' likelihood blocks.</param>
/// <param name="Mean">Subtracted from each feature, [D].</param>
/// <param name="Scale">Each feature is divided by it after centering, [D]; positive and finite.</param>
internal sealed record FeatureStatistics(FeatureLayout Layout, float[] Mean, float[] Scale)
{
    /// <summary>
    /// Fits the layout and the standardization on the training rows, a flat [rows, D] buffer of finite values (rows
    /// that arrive in blocks go through <see cref="FeatureMoments"/> instead, which this is one block of).
    /// Throws <see cref="ArgumentException"/> naming the row and feature of the first value the likelihood cannot take.
    /// </summary>
    public static FeatureStatistics Fit(ReadOnlySpan<float> rows, int features, VaeOptions options)
    {
        var moments = new FeatureMoments(features, options);
        moments.Add(rows);
        return moments.Fit();
    }

    /// <summary>
    /// Image pixels are standardized per pixel, but no pixel's scale goes below this fraction of the pooled pixel
    /// standard deviation (the root mean of the per-pixel variances). A pixel that is ink in one training image out of
    /// thousands has a tiny standard deviation, so that one image standardizes to ~sqrt(rows) (77 for 6,000 rows); its
    /// squared error then dominates a batch, and the image model's training spiked and diverged on one Fashion-MNIST class
    /// and seed (class 7, seed 2, at epoch 32). With the floor (0.045-0.07 on the Fashion-MNIST classes, whose pooled
    /// standard deviations are 0.18-0.28) a pixel in [0, 1] standardizes to at most ~22, training ran smoothly on every
    /// class and seed measured, and the one-class harness mean rose (0.9372 to 0.9398; src/MlNetVae/Graph/SCORES.md).
    /// Tables keep the plain per-column standard deviation.
    /// </summary>
    internal const double ImageScaleFloor = 0.25;
}
