using MlNetVae.Engine.Randomness;

namespace MlNetVae.Tests.Graph;

/// <summary>Small synthetic tables with known structure, as flat [rows, D] buffers.</summary>
internal static class TestData
{
    /// <summary>Rows in [0, 1] generated from 2 hidden factors through a sigmoid: learnable by a 2-D latent.</summary>
    public static float[] UnitRows(int rows, int features, int seed)
    {
        var rng = new Rng((ulong)seed);
        var w = new float[2 * features];
        rng.FillNormal(w, 0, 2f);
        var z = new float[2];
        var result = new float[rows * features];
        for (int r = 0; r < rows; r++)
        {
            rng.FillNormal(z);
            for (int j = 0; j < features; j++)
                result[r * features + j] = 1f / (1f + MathF.Exp(-(z[0] * w[j] + z[1] * w[features + j])));
        }
        return result;
    }

    /// <summary>Real rows with very different column scales (1 to 1000) and offsets: a 2-factor linear model plus small noise.</summary>
    public static float[] GaussianRows(int rows, int features, int seed)
    {
        var rng = new Rng((ulong)seed);
        var w = new float[2 * features];
        rng.FillNormal(w);
        var z = new float[2];
        var noise = new float[features];
        var result = new float[rows * features];
        for (int r = 0; r < rows; r++)
        {
            rng.FillNormal(z);
            rng.FillNormal(noise, 0, 0.1f);
            for (int j = 0; j < features; j++)
                result[r * features + j] = (z[0] * w[j] + z[1] * w[features + j] + noise[j]) * MathF.Pow(10, j % 4) + 5 * j;
        }
        return result;
    }

    /// <summary>Rows <paramref name="first"/> .. first + count - 1 of a flat buffer of <paramref name="d"/> features.</summary>
    public static float[] Take(float[] rows, int d, int first, int count) => rows.AsSpan(first * d, count * d).ToArray();

    /// <summary>Row <paramref name="r"/> of a flat buffer.</summary>
    public static float[] Row(float[] rows, int d, int r) => rows.AsSpan(r * d, d).ToArray();
}
