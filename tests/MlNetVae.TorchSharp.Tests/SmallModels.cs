using MlNetVae.Backends;
using MlNetVae.Engine.Nn;
using MlNetVae.Engine.Randomness;
using MlNetVae.Spec;

namespace MlNetVae.TorchSharp.Tests;

/// <summary>One small model and its training rows, for running both backends on identical inputs.</summary>
/// <param name="Name">What the test case is called.</param>
/// <param name="Spec">The model.</param>
/// <param name="Initial">Its fresh weights (PyTorch's init, seeded) and standardization.</param>
/// <param name="Rows">Raw rows [Count, D], flat.</param>
/// <param name="Count">Number of rows.</param>
public sealed record SmallModel(string Name, VaeSpec Spec, StateDict Initial, float[] Rows, int Count)
{
    public override string ToString() => Name;
}

/// <summary>
/// Small VAEs over synthetic tables with latent structure (two factors drive every column), one per likelihood mix:
/// Bernoulli (pixel-like values in [0, 1]), Gaussian (learned variance, unstandardized columns) and
/// Bernoulli + Gaussian + categorical side by side.
/// </summary>
internal static class SmallModels
{
    private const int Rows = 256, Factors = 2;

    public static SmallModel Bernoulli(Activation activation = Activation.Relu, float freeBits = 0) => Create(
        "bernoulli" + Suffix(activation, freeBits), [new(FeatureKind.Bernoulli, 0, 12)], activation, freeBits);

    public static SmallModel Gaussian(Activation activation = Activation.Tanh, float freeBits = 0) => Create(
        "gaussian" + Suffix(activation, freeBits), [new(FeatureKind.Gaussian, 0, 8)], activation, freeBits);

    public static SmallModel Mixed(Activation activation = Activation.Elu, float freeBits = 0) => Create(
        "mixed" + Suffix(activation, freeBits),
        [new(FeatureKind.Bernoulli, 0, 5), new(FeatureKind.Gaussian, 5, 4), new(FeatureKind.Categorical, 9, 3), new(FeatureKind.Gaussian, 12, 2)],
        activation, freeBits);

    /// <summary>A convolutional model on 1 x 4 x 3 "images" of the Bernoulli table (odd sizes: per-axis output padding).</summary>
    public static SmallModel Convolutional() => Create(
        "convolutional (Relu)", [new(FeatureKind.Bernoulli, 0, 12)], Activation.Relu, 0, imageShape: [1, 4, 3]);

    private static string Suffix(Activation activation, float freeBits) => $" ({activation}{(freeBits > 0 ? $", free bits {freeBits}" : "")})";

    private static SmallModel Create(string name, FeatureBlock[] blocks, Activation activation, float freeBits, int[]? imageShape = null)
    {
        var layout = new FeatureLayout(blocks);
        var options = new VaeOptions
        {
            EncoderHidden = [24, 12], LatentSize = 3, Activation = activation, FreeBits = freeBits, BatchSize = 32,
            LearnGaussianVariance = true, Threads = 1, Seed = 7,
            ImageShape = imageShape, ConvChannels = imageShape is null ? null : [4, 6], ConvKernel = 3,
        };
        var spec = VaeSpec.Resolve(options, layout);
        var rows = Generate(layout, new Rng(11));
        return new SmallModel(name, spec, spec.Initialize(Statistics(layout, rows), spec.Options.Seed!.Value), rows, Rows);
    }

    /// <summary>Each row: two N(0, 1) factors through a fixed random linear map, then each block's link and noise.</summary>
    private static float[] Generate(FeatureLayout layout, Rng rng)
    {
        int d = layout.Features;
        var map = new float[Factors * d];
        rng.FillNormal(map);
        var rows = new float[Rows * d];
        var factors = new float[Factors];
        var noise = new float[d];
        for (int r = 0; r < Rows; r++)
        {
            rng.FillNormal(factors);
            rng.FillNormal(noise);
            var row = rows.AsSpan(r * d, d);
            for (int c = 0; c < d; c++) row[c] = factors[0] * map[c] + factors[1] * map[d + c];
            foreach (var b in layout.Blocks)
            {
                var x = row.Slice(b.Start, b.Length);
                switch (b.Kind)
                {
                    case FeatureKind.Bernoulli:
                        for (int i = 0; i < x.Length; i++) x[i] = 1f / (1f + MathF.Exp(-2f * x[i]));
                        break;
                    case FeatureKind.Gaussian:
                        // Off-centre and wide, so the standardization does something.
                        for (int i = 0; i < x.Length; i++) x[i] = 3f * x[i] + 10f + 0.3f * noise[b.Start + i];
                        break;
                    default:
                        int best = 0;
                        for (int i = 1; i < x.Length; i++)
                            if (x[i] + noise[b.Start + i] > x[best] + noise[b.Start + best]) best = i;
                        x.Clear();
                        x[best] = 1f;
                        break;
                }
            }
        }
        return rows;
    }

    /// <summary>Mean and standard deviation of the Gaussian columns; 0 and 1 elsewhere (as <see cref="FeatureStatistics.Fit"/> does).</summary>
    private static FeatureStatistics Statistics(FeatureLayout layout, float[] rows)
    {
        int d = layout.Features;
        var mean = new float[d];
        var scale = new float[d];
        Array.Fill(scale, 1f);
        var kinds = layout.Kinds();
        for (int c = 0; c < d; c++)
        {
            if (kinds[c] != FeatureKind.Gaussian) continue;
            double sum = 0, squares = 0;
            for (int r = 0; r < Rows; r++) sum += rows[r * d + c];
            mean[c] = (float)(sum / Rows);
            for (int r = 0; r < Rows; r++) squares += Math.Pow(rows[r * d + c] - mean[c], 2);
            scale[c] = (float)Math.Sqrt(squares / Rows);
        }
        return new FeatureStatistics(layout, mean, scale);
    }
}
