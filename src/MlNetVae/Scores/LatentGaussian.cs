namespace MlNetVae.Scores;

/// <summary>
/// A Gaussian fitted to the training data's aggregate posterior q(z) = mean over rows of q(z|x), and the squared
/// Mahalanobis distance of a posterior mean under it.
/// </summary>
internal static class LatentGaussian
{
    /// <summary>
    /// Center m = mean of the posterior means; covariance C = Cov(mu) + diag(mean of the posterior variances), the
    /// aggregate posterior's own covariance. The variance term is the regularizer: a collapsed dimension, whose mean
    /// barely moves, still has variance near 1 and so cannot blow small wobbles up into large distances.
    /// Returns m [K] and W [K, K] row-major with W = (L^-1)^T for C = L L^T, so d^2 = || (mu - m) W ||^2.
    /// </summary>
    public static (float[] Center, float[] Whitening) Fit(float[][] mean, float[][] variance)
    {
        int n = mean.Length, k = mean[0].Length;
        var center = new double[k];
        foreach (var mu in mean)
            for (int j = 0; j < k; j++) center[j] += mu[j] / (double)n;
        var cov = new double[k, k];
        foreach (var mu in mean)
            for (int a = 0; a < k; a++)
                for (int b = 0; b <= a; b++) cov[a, b] += (mu[a] - center[a]) * (mu[b] - center[b]) / n;
        foreach (var v in variance)
            for (int j = 0; j < k; j++) cov[j, j] += v[j] / (double)n;
        // A tiny ridge keeps the Cholesky factor finite if the encoder's variances underflowed to 0.
        double ridge = 1e-6 * Enumerable.Range(0, k).Average(j => cov[j, j]) + 1e-12;
        for (int j = 0; j < k; j++) cov[j, j] += ridge;

        var inverse = InverseCholeskyFactor(cov, k);
        var whitening = new float[k * k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) whitening[a * k + b] = (float)inverse[b, a];
        return (center.Select(c => (float)c).ToArray(), whitening);
    }

    /// <summary>|| (mu - center) W ||^2 for W [K, K] row-major.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> mu, IReadOnlyList<float> center, IReadOnlyList<float> whitening)
    {
        int k = mu.Length;
        double sum = 0;
        for (int b = 0; b < k; b++)
        {
            double u = 0;
            for (int a = 0; a < k; a++) u += (mu[a] - (double)center[a]) * whitening[a * k + b];
            sum += u * u;
        }
        return sum;
    }

    /// <summary>L^-1 for the lower Cholesky factor L of a symmetric positive definite matrix given by its lower triangle.</summary>
    private static double[,] InverseCholeskyFactor(double[,] c, int k)
    {
        var l = new double[k, k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = c[i, j];
                for (int p = 0; p < j; p++) s -= l[i, p] * l[j, p];
                l[i, j] = i == j ? Math.Sqrt(Math.Max(s, 1e-300)) : s / l[j, j];
            }
        var inverse = new double[k, k];
        for (int col = 0; col < k; col++)
            for (int i = col; i < k; i++)
            {
                double s = i == col ? 1 : 0;
                for (int p = col; p < i; p++) s -= l[i, p] * inverse[p, col];
                inverse[i, col] = s / l[i, i];
            }
        return inverse;
    }
}
