using MlNetVae.Spec;

namespace MlNetVae.Graph;

/// <summary>
/// The VAE's networks, written once for every executor: the input standardization, the encoder q(z|x) =
/// N(mean, diag(e^logVar)), the reparameterized sample, the decoder, and the likelihood's mean in raw units.
/// </summary>
/// <remarks>Plain loops, no lambdas or iterators: the training step records this every step and must not allocate.</remarks>
internal static class Network
{
    /// <summary>
    /// Model units are clamped to +-this. Training data never comes near it; it keeps an absurd but finite input
    /// (1e30 in a pixel, +-3e38 in a standardized column, whose standardization overflows to infinity) from turning
    /// into an infinite or NaN score: such a row gets a huge, finite score and is flagged.
    /// </summary>
    public const float InputLimit = 1e6f;

    /// <summary>
    /// Raw rows [rows, D] to model units: (x - mean) / scale (identity on Bernoulli and one-hot features), clamped to
    /// +-<see cref="InputLimit"/>.
    /// </summary>
    public static T Standardize<T>(IOps<T> o, T raw) where T : class =>
        o.Clamp(o.Div(o.Sub(raw, o.Buffer(VaeSpec.InputMean)), o.Buffer(VaeSpec.InputScale)), -InputLimit, InputLimit);

    /// <summary>Model units [rows, D] back to raw units: x * scale + mean.</summary>
    public static T ToRawUnits<T>(IOps<T> o, T x) where T : class =>
        o.Add(o.Mul(x, o.Buffer(VaeSpec.InputScale)), o.Buffer(VaeSpec.InputMean));

    /// <summary>
    /// q(z|x) of standardized rows x [rows, D]: the mean and the log-variance, each [rows, K]; the log-variance is
    /// clamped to +-LogVarClamp so that e^logVar can neither overflow nor vanish.
    /// </summary>
    public static (T Mean, T LogVar) Encode<T>(IOps<T> o, VaeSpec spec, T x) where T : class
    {
        var stats = Mlp(o, spec, spec.Encoder, x); // (rows, 2K)
        int k = spec.LatentSize;
        float clamp = spec.Options.LogVarClamp;
        return (o.Columns(stats, 0, k), o.Clamp(o.Columns(stats, k, k), -clamp, clamp));
    }

    /// <summary>z = mean + e^(logVar / 2) * eps, the reparameterization, with eps [rows, K] of N(0, 1) noise.</summary>
    public static T Sample<T>(IOps<T> o, T mean, T logVar, T eps) where T : class =>
        o.Add(mean, o.Mul(o.Exp(o.Scale(logVar, 0.5f)), eps));

    /// <summary>The decoder's raw output [rows, D] at z [rows, K]: per feature block, logits, Gaussian means or category logits.</summary>
    public static T Decode<T>(IOps<T> o, VaeSpec spec, T z) where T : class => Mlp(o, spec, spec.Decoder, z);

    /// <summary>The likelihood's mean [rows, D] in model units from the decoder's output: sigmoid, Gaussian mean or softmax per block.</summary>
    public static T Mean<T>(IOps<T> o, VaeSpec spec, T output) where T : class
    {
        var blocks = spec.Layout.Blocks;
        if (blocks.Count == 1) return Likelihood.Mean(o, blocks[0], output); // the common case (all pixels Bernoulli) needs no slices
        var parts = new T[blocks.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = Likelihood.Mean(o, blocks[i], o.Columns(output, blocks[i].Start, blocks[i].Length));
        return o.ConcatColumns(parts);
    }

    /// <summary>The likelihood's mean [rows, D] in raw units: <see cref="Mean"/>, unstandardized.</summary>
    public static T RawMean<T>(IOps<T> o, VaeSpec spec, T output) where T : class => ToRawUnits(o, Mean(o, spec, output));

    /// <summary>The layers in order with the activation between them (none after the last).</summary>
    private static T Mlp<T>(IOps<T> o, VaeSpec spec, IReadOnlyList<Layer> layers, T x) where T : class
    {
        for (int i = 0; i < layers.Count; i++)
        {
            if (i > 0) x = o.Activate(x, spec.Options.Activation);
            var layer = layers[i];
            var (w, b) = (o.Parameter(layer.Weight), o.Parameter(layer.Bias));
            x = layer switch
            {
                ConvLayer { Geometry.Transposed: true } c => o.ConvTranspose2d(x, w, b, c.Geometry),
                ConvLayer c => o.Conv2d(x, w, b, c.Geometry),
                _ => o.Linear(x, w, b),
            };
        }
        return x;
    }
}
