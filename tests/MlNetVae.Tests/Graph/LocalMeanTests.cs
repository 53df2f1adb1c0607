using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Graph;
using MlNetVae.Tests.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Graph;

/// <summary>The managed <see cref="IOps{T}.LocalMean"/> (a convolution with a fixed kernel) against a plain loop, and its gradient.</summary>
public class LocalMeanTests
{
    // 2 channels of 5 x 4: odd and unequal sizes, so the borders on every side and the channel separation are exercised.
    private const int Channels = 2, Height = 5, Width = 4, Rows = 3;

    /// <summary>Each pixel's 3x3 neighbourhood in its own channel, summed over the pixels inside the image, over 9.</summary>
    internal static double[] Reference(ReadOnlySpan<float> x, int channels, int height, int width)
    {
        int plane = height * width, d = channels * plane, rows = x.Length / d;
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < height; i++)
                    for (int j = 0; j < width; j++)
                    {
                        double sum = 0;
                        for (int di = -1; di <= 1; di++)
                            for (int dj = -1; dj <= 1; dj++)
                                if (i + di >= 0 && i + di < height && j + dj >= 0 && j + dj < width)
                                    sum += x[r * d + c * plane + (i + di) * width + j + dj];
                        y[r * d + c * plane + i * width + j] = sum / 9;
                    }
        return y;
    }

    [Test]
    public void EveryPixelIsTheMeanOfItsNeighbourhoodWithZerosBeyondTheBorder()
    {
        var x = GradCheck.Random(31, -2, 2, Rows, Channels * Height * Width);
        var ops = new TapeOps(new Tape(new Compute(1)), weights: null!); // LocalMean reads no model tensor
        var y = ops.LocalMean(ops.Tape.Input(x), Channels, Height, Width);
        Expect.Values(y.Value, [Rows, Channels * Height * Width], Reference(x.Span, Channels, Height, Width), rel: 1e-6, abs: 1e-6);
    }

    [Test]
    public void LocalMeanGradient() =>
        GradCheck.Check((t, p) => new TapeOps(t, weights: null!).LocalMean(p[0], Channels, Height, Width), [GradCheck.Random(32, -1, 1, Rows, Channels * Height * Width)]);
}
