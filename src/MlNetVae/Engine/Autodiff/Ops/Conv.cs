using MlNetVae.Engine.Kernels;

namespace MlNetVae.Engine.Autodiff;

internal sealed partial class Tape
{
    /// <summary>
    /// 2-D convolution of a batch of images x [batch, in * h * w] (one image per row, CHW order, PyTorch's NCHW
    /// flattened per image) into [batch, out * oh * ow], with PyTorch's Conv2d semantics and weight layout
    /// [out, in, kh, kw]; <paramref name="bias"/> [out] may be null. The geometry (from
    /// <see cref="ConvGeometry.Conv2d"/>) gives the image size, kernel, stride and padding. Gradients flow to all inputs.
    /// </summary>
    public Node Conv2d(Node x, Node weight, Node? bias, ConvGeometry geometry)
    {
        var node = Push<ConvNode>();
        node.Forward(Compute, x, weight, bias, geometry, transposed: false);
        return node;
    }

    /// <summary>
    /// 2-D transposed convolution (the adjoint of <see cref="Conv2d"/>) of x [batch, in * h * w] into
    /// [batch, out * oh * ow], with PyTorch's ConvTranspose2d semantics, output padding included, and weight layout
    /// [in, out, kh, kw]; <paramref name="bias"/> [out] may be null. The geometry comes from
    /// <see cref="ConvGeometry.ConvTranspose2d"/>. Gradients flow to all inputs.
    /// </summary>
    public Node ConvTranspose2d(Node x, Node weight, Node? bias, ConvGeometry geometry)
    {
        var node = Push<ConvNode>();
        node.Forward(Compute, x, weight, bias, geometry, transposed: true);
        return node;
    }
}

/// <summary>
/// Either convolution: the kernels do the work (im2col and GEMM); the node keeps their workspace, which
/// forward and backward share, so a step that records the same convolutions again allocates nothing.
/// </summary>
internal sealed class ConvNode : Node
{
    private Node _x = null!, _weight = null!;
    private Node? _bias;
    private ConvGeometry _geometry = null!;
    private Tensor? _workspace;
    private bool _relu;

    /// <summary>Rectifies the output in place: this node then stands for the ReLU of the convolution (see <see cref="FusedRelu"/>).</summary>
    public void FuseRelu(Compute compute)
    {
        FusedRelu.Apply(compute, Value.Span);
        _relu = true;
    }

    public void Forward(Compute compute, Node x, Node weight, Node? bias, ConvGeometry geometry, bool transposed)
    {
        string op = transposed ? "convtranspose2d" : "conv2d";
        ArgumentNullException.ThrowIfNull(geometry);
        if (geometry.Transposed != transposed)
            throw new ArgumentException($"{op} needs a geometry from ConvGeometry.{(transposed ? "ConvTranspose2d" : "Conv2d")}, got {geometry}",
                nameof(geometry));
        RequireMatrix(op, nameof(x), x);
        if (x.Value.Shape[1] != geometry.InFeatures)
            throw new ArgumentException($"{op} needs x [batch, {geometry.InFeatures}] for {geometry}, got {x.Value}", nameof(x));
        ArgumentNullException.ThrowIfNull(weight);
        if (!HasWeightShape(weight.Value, geometry))
            throw new ArgumentException($"{op} needs weight [{string.Join(", ", geometry.WeightShape)}] for {geometry}, got {weight.Value}", nameof(weight));
        if (bias is not null && (bias.Value.Rank != 1 || bias.Value.Length != geometry.OutChannels))
            throw new ArgumentException($"{op} needs bias [{geometry.OutChannels}] for {geometry}, got {bias.Value}", nameof(bias));
        (_x, _weight, _bias, _geometry, _relu) = (x, weight, bias, geometry, false);
        RequiresGrad = x.RequiresGrad || weight.RequiresGrad || bias is { RequiresGrad: true };

        int batch = x.Value.Shape[0];
        var y = Output([batch, geometry.OutFeatures]); // (batch, out * oh * ow)
        var workspace = Scratch(ref _workspace, [Convolution.WorkspaceLength(geometry, batch, compute.Threads)]);
        var b = bias is null ? default : bias.Value.Span;
        if (transposed) Convolution.ConvTranspose2d(compute, geometry, batch, x.Value.Span, weight.Value.Span, b, y.Span, workspace);
        else Convolution.Conv2d(compute, geometry, batch, x.Value.Span, weight.Value.Span, b, y.Span, workspace);
    }

    internal override void Backward(Compute compute)
    {
        int batch = _x.Value.Shape[0];
        var dx = _x.RequiresGrad ? _x.Grad!.Span : default;            // (batch, in * h * w)
        var dWeight = _weight.RequiresGrad ? _weight.Grad!.Span : default; // the weight's shape
        var dBias = _bias is { RequiresGrad: true } ? _bias.Grad!.Span : default; // (out)
        var workspace = _workspace!.Span;
        if (_relu) FusedRelu.Mask(compute, Value.Span, Grad!.Span);
        if (_geometry.Transposed)
            Convolution.ConvTranspose2dBackward(compute, _geometry, batch, _x.Value.Span, _weight.Value.Span, Grad!.Span, dx, dWeight, dBias, workspace);
        else
            Convolution.Conv2dBackward(compute, _geometry, batch, _x.Value.Span, _weight.Value.Span, Grad!.Span, dx, dWeight, dBias, workspace);
    }

    // Compared dimension by dimension: ConvGeometry.WeightShape builds an array, and this runs every step.
    private static bool HasWeightShape(Tensor w, ConvGeometry g) =>
        w.Rank == 4 && w.Shape[2] == g.KernelHeight && w.Shape[3] == g.KernelWidth &&
        w.Shape[0] == (g.Transposed ? g.InChannels : g.OutChannels) && w.Shape[1] == (g.Transposed ? g.OutChannels : g.InChannels);
}
