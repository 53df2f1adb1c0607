namespace MlNetVae.Inference;

/// <summary>
/// A Gaussian fitted to the training data's aggregate posterior q(z) = mean over rows of q(z|x), accumulated over rows
/// given chunk by chunk (memory K x K whatever the row count): center m = mean of the posterior means; covariance
/// C = Cov(mu) + diag(mean of the posterior variances), the aggregate posterior's own covariance. The variance term is
/// the regularizer: a collapsed dimension, whose mean barely moves, still has variance near 1 and so cannot blow small
/// wobbles up into large distances. The squared Mahalanobis distance itself is a score formula (Graph.ScoreFormulas).
/// </summary>
internal sealed class LatentGaussian(int latentSize)
{
    private readonly double[] _sum = new double[latentSize], _variance = new double[latentSize];
    private readonly double[,] _products = new double[latentSize, latentSize];
    private long _rows;

    /// <summary>Adds rows' posterior means and variances, each flat [rows, K].</summary>
    public void Add(ReadOnlySpan<float> means, ReadOnlySpan<float> variances)
    {
        int k = _sum.Length;
        for (int r = 0; r < means.Length / k; r++)
        {
            var mu = means.Slice(r * k, k);
            for (int a = 0; a < k; a++)
            {
                _sum[a] += mu[a];
                _variance[a] += variances[r * k + a];
                for (int b = 0; b <= a; b++) _products[a, b] += mu[a] * (double)mu[b];
            }
            _rows++;
        }
    }

    /// <summary>m [K] and W [K, K] row-major with W = (L^-1)^T for C = L L^T, so d^2 = || (mu - m) W ||^2.</summary>
    public (float[] Center, float[] Whitening) Fit()
    {
        int k = _sum.Length;
        if (_rows < 2) throw new ArgumentException("fitting the latent Gaussian needs at least 2 rows");
        var center = _sum.Select(s => s / _rows).ToArray();
        var cov = new double[k, k];
        for (int a = 0; a < k; a++)
        {
            for (int b = 0; b <= a; b++) cov[a, b] = _products[a, b] / _rows - center[a] * center[b];
            cov[a, a] += _variance[a] / _rows;
        }
        // A tiny ridge keeps the Cholesky factor finite if the encoder's variances underflowed to 0.
        double ridge = 1e-6 * Enumerable.Range(0, k).Average(j => cov[j, j]) + 1e-12;
        for (int j = 0; j < k; j++) cov[j, j] += ridge;

        var inverse = InverseCholeskyFactor(cov, k);
        var whitening = new float[k * k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) whitening[a * k + b] = (float)inverse[b, a];
        return (center.Select(c => (float)c).ToArray(), whitening);
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
