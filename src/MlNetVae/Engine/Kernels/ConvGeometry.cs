using MlNetVae.Engine.Kernels;

namespace MlNetVae.Backends;

/// <summary>
/// The shape of a 2-D convolution (<see cref="Conv2d"/>) or transposed convolution (<see cref="ConvTranspose2d"/>)
/// over a batch of images stored one per row in CHW order (a matrix [batch, channels * height * width], which is
/// PyTorch's NCHW tensor flattened per image). Sizes follow PyTorch: a convolution gives
/// floor((size + 2 padding - kernel) / stride) + 1, a transposed one (size - 1) stride - 2 padding + kernel +
/// outputPadding. Weights use PyTorch's (and ONNX's) layouts: [out, in, kh, kw] for a convolution, [in, out, kh, kw]
/// for a transposed one. Immutable; created only through the two factories, which validate it.
/// </summary>
public sealed record ConvGeometry
{
    private ConvGeometry(bool transposed, int inChannels, int height, int width, int outChannels,
        int kernelHeight, int kernelWidth, int stride, int padding, int outputPaddingHeight, int outputPaddingWidth)
    {
        string op = transposed ? "ConvTranspose2d" : "Conv2d";
        Positive(op, inChannels, nameof(inChannels));
        Positive(op, height, nameof(height));
        Positive(op, width, nameof(width));
        Positive(op, outChannels, nameof(outChannels));
        Positive(op, kernelHeight, nameof(kernelHeight));
        Positive(op, kernelWidth, nameof(kernelWidth));
        Positive(op, stride, nameof(stride));
        if (padding < 0) throw new ArgumentException($"{op}: padding must not be negative, got {padding}", nameof(padding));
        // PyTorch's rule: output padding only places the last window, so it must stay below the stride.
        foreach (int outputPadding in new[] { outputPaddingHeight, outputPaddingWidth })
            if (outputPadding < 0 || (outputPadding > 0 && outputPadding >= stride))
                throw new ArgumentException($"{op}: output padding must be in [0, stride = {stride}), got {outputPadding}", nameof(outputPadding));
        (Transposed, InChannels, InHeight, InWidth, OutChannels) = (transposed, inChannels, height, width, outChannels);
        (KernelHeight, KernelWidth, Stride, Padding) = (kernelHeight, kernelWidth, stride, padding);
        (OutputPaddingHeight, OutputPaddingWidth) = (outputPaddingHeight, outputPaddingWidth);
        OutHeight = OutputSize(op, "height", height, kernelHeight, outputPaddingHeight);
        OutWidth = OutputSize(op, "width", width, kernelWidth, outputPaddingWidth);
        InFeatures = Length(op, "an input image", (long)inChannels * height * width);
        OutFeatures = Length(op, "an output image", (long)outChannels * OutHeight * OutWidth);
        Length(op, "the weight", (long)inChannels * outChannels * kernelHeight * kernelWidth);
    }

    /// <summary>
    /// A convolution of <paramref name="inChannels"/> x <paramref name="height"/> x <paramref name="width"/> images
    /// into <paramref name="outChannels"/> channels with a kernelHeight x kernelWidth kernel, the same stride and
    /// zero padding on both axes. Throws <see cref="ArgumentException"/> when a size is not positive or the padded
    /// image is smaller than the kernel.
    /// </summary>
    public static ConvGeometry Conv2d(int inChannels, int height, int width, int outChannels,
        int kernelHeight, int kernelWidth, int stride = 1, int padding = 0) =>
        new(false, inChannels, height, width, outChannels, kernelHeight, kernelWidth, stride, padding, 0, 0);

    /// <summary>
    /// A transposed convolution (the adjoint of <see cref="Conv2d"/>, PyTorch's ConvTranspose2d) of
    /// <paramref name="inChannels"/> x <paramref name="height"/> x <paramref name="width"/> images into
    /// <paramref name="outChannels"/> channels. <paramref name="outputPadding"/> (below the stride) adds rows and
    /// columns at the bottom and right, choosing among the output sizes a convolution with this stride maps back to
    /// the input size; <paramref name="outputPaddingWidth"/>, when given, sets the columns' apart from the rows' (an image
    /// whose height and width differ in parity needs that). Throws <see cref="ArgumentException"/> when a size is not
    /// positive or the output would be empty.
    /// </summary>
    public static ConvGeometry ConvTranspose2d(int inChannels, int height, int width, int outChannels,
        int kernelHeight, int kernelWidth, int stride = 1, int padding = 0, int outputPadding = 0, int? outputPaddingWidth = null) =>
        new(true, inChannels, height, width, outChannels, kernelHeight, kernelWidth, stride, padding, outputPadding, outputPaddingWidth ?? outputPadding);

    /// <summary>True for a transposed convolution.</summary>
    public bool Transposed { get; }

    /// <summary>Channels of an input image.</summary>
    public int InChannels { get; }

    /// <summary>Height of an input image.</summary>
    public int InHeight { get; }

    /// <summary>Width of an input image.</summary>
    public int InWidth { get; }

    /// <summary>Channels of an output image.</summary>
    public int OutChannels { get; }

    /// <summary>Height of an output image.</summary>
    public int OutHeight { get; }

    /// <summary>Width of an output image.</summary>
    public int OutWidth { get; }

    /// <summary>Kernel height.</summary>
    public int KernelHeight { get; }

    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; }

    /// <summary>Stride on both axes.</summary>
    public int Stride { get; }

    /// <summary>Zero padding on every side (for a transposed convolution: removed from every side of the output).</summary>
    public int Padding { get; }

    /// <summary>Rows added at the bottom of a transposed convolution's output; 0 for a convolution.</summary>
    public int OutputPaddingHeight { get; }

    /// <summary>Columns added at the right of a transposed convolution's output; 0 for a convolution.</summary>
    public int OutputPaddingWidth { get; }

    /// <summary>Floats in one input image: a row of the input matrix.</summary>
    public int InFeatures { get; }

    /// <summary>Floats in one output image: a row of the output matrix.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight's shape: [out, in, kh, kw], or [in, out, kh, kw] when <see cref="Transposed"/>.</summary>
    public int[] WeightShape => Transposed
        ? [InChannels, OutChannels, KernelHeight, KernelWidth]
        : [OutChannels, InChannels, KernelHeight, KernelWidth];

    /// <summary>
    /// The view both directions share: a convolution from the larger image (a convolution's input, a transposed
    /// convolution's output) to the smaller one, whose pixels index im2col's columns.
    /// </summary>
    internal ConvFrame Frame => Transposed
        ? new(OutChannels, OutHeight, OutWidth, InHeight, InWidth, KernelHeight, KernelWidth, Stride, Padding)
        : new(InChannels, InHeight, InWidth, OutHeight, OutWidth, KernelHeight, KernelWidth, Stride, Padding);

    /// <summary>Channels of the smaller image of <see cref="Frame"/>: the rows of the weight as a matrix.</summary>
    internal int FrameFilters => Transposed ? InChannels : OutChannels;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{(Transposed ? "ConvTranspose2d" : "Conv2d")} {InChannels}x{InHeight}x{InWidth} -> {OutChannels}x{OutHeight}x{OutWidth}, " +
        $"kernel {KernelHeight}x{KernelWidth}, stride {Stride}, padding {Padding}{(Transposed ? $", output padding " +
            $"{OutputPaddingHeight}x{OutputPaddingWidth}" : "")}";

    private int OutputSize(string op, string axis, int size, int kernel, int outputPadding)
    {
        long result = Transposed
            ? (long)(size - 1) * Stride - 2L * Padding + kernel + outputPadding
            : (size + 2L * Padding - kernel) / Stride + 1;
        if (!Transposed && size + 2L * Padding < kernel)
            throw new ArgumentException($"{op}: the kernel {axis} {kernel} exceeds the padded input {axis} {size} + 2 x {Padding}");
        if (result < 1 || result > int.MaxValue)
            throw new ArgumentException($"{op}: input {axis} {size} with kernel {kernel}, stride {Stride}, padding {Padding} and output padding " +
                $"{outputPadding} gives an output {axis} of {result}");
        return (int)result;
    }

    private static int Length(string op, string what, long floats)
    {
        if (floats > Array.MaxLength) throw new ArgumentException($"{op}: {what} would hold {floats} floats, more than an array can");
        return (int)floats;
    }

    private static void Positive(string op, int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"{op}: {name} must be positive, got {value}", name);
    }
}
