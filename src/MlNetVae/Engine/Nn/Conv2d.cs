using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Kernels;
using MlNetVae.Engine.Randomness;

namespace MlNetVae.Engine.Nn;

/// <summary>
/// A 2-D convolution layer over images stored one per row in CHW order, with PyTorch's weight layout
/// [out, in, kh, kw] (ONNX Conv's too) and PyTorch 1.13's default initialization, so weights move between them
/// unchanged: W and b uniform in ±1/sqrt(fan_in) with fan_in = in * kh * kw (kaiming_uniform with a = sqrt(5)
/// reduces to that bound, and _ConvNd uses the same fan_in for the bias).
/// </summary>
public sealed class Conv2d : IModule
{
    /// <summary>Registers the weight (<c>{name}.weight</c>) and bias (<c>{name}.bias</c>) in <paramref name="store"/> and initializes them.</summary>
    /// <param name="store">Where the parameters live.</param>
    /// <param name="name">The layer's name, the prefix of its parameters' names.</param>
    /// <param name="geometry">Image size, channels, kernel, stride and padding, from <see cref="ConvGeometry.Conv2d"/>.</param>
    /// <param name="rng">The generator that draws the initial weights.</param>
    public Conv2d(ParameterStore store, string name, ConvGeometry geometry, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(rng);
        if (geometry.Transposed) throw new ArgumentException($"Conv2d needs a geometry from ConvGeometry.Conv2d, got {geometry}", nameof(geometry));
        Geometry = geometry;
        Weight = store.Add($"{name}.weight", geometry.WeightShape); // (out, in, kh, kw)
        Bias = store.Add($"{name}.bias", geometry.OutChannels);      // (out)
        // PyTorch's bound sqrt(3) gain / sqrt(fan_in) with gain sqrt(2 / (1 + 5)), in double as Python has it.
        float bound = (float)(Math.Sqrt(3.0) * Math.Sqrt(2.0 / 6.0) / Math.Sqrt(FanIn));
        rng.FillUniform(Weight.Value.Span, -bound, bound);
        float biasBound = (float)(1 / Math.Sqrt(FanIn));
        rng.FillUniform(Bias.Value.Span, -biasBound, biasBound);
    }

    /// <summary>The layer's shape.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>The weight, [out, in, kh, kw].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias, [out].</summary>
    public Parameter Bias { get; }

    /// <summary>PyTorch's fan_in of the weight: its dimension 1 (in) times the kernel area.</summary>
    public int FanIn => Geometry.InChannels * Geometry.KernelHeight * Geometry.KernelWidth;

    /// <inheritdoc/>
    public Node Forward(Tape tape, Node x) => tape.Conv2d(x, Weight, Bias, Geometry); // (batch, out * oh * ow)
}
