using MlNetVae.Engine.Randomness;

namespace MlNetVae.Tests.Vae;

/// <summary>Small synthetic data sets with known structure.</summary>
internal static class TestData
{
    /// <summary>Rows in [0, 1] generated from 2 hidden factors through a sigmoid: learnable by a 2-D latent.</summary>
    public static float[][] UnitRows(int rows, int features, int seed)
    {
        var rng = new Rng((ulong)seed);
        var w = new float[2 * features];
        rng.FillNormal(w, 0, 2f);
        var z = new float[2];
        var result = new float[rows][];
        for (int r = 0; r < rows; r++)
        {
            rng.FillNormal(z);
            result[r] = new float[features];
            for (int j = 0; j < features; j++)
                result[r][j] = 1f / (1f + MathF.Exp(-(z[0] * w[j] + z[1] * w[features + j])));
        }
        return result;
    }

    /// <summary>Real rows with very different column scales: a 2-factor linear model plus small noise.</summary>
    public static float[][] GaussianRows(int rows, int features, int seed)
    {
        var rng = new Rng((ulong)seed);
        var w = new float[2 * features];
        rng.FillNormal(w);
        var z = new float[2];
        var noise = new float[features];
        var result = new float[rows][];
        for (int r = 0; r < rows; r++)
        {
            rng.FillNormal(z);
            rng.FillNormal(noise, 0, 0.1f);
            result[r] = new float[features];
            for (int j = 0; j < features; j++)
                result[r][j] = (z[0] * w[j] + z[1] * w[features + j] + noise[j]) * MathF.Pow(10, j % 4) + 5 * j;
        }
        return result;
    }
}
