using System.Numerics.Tensors;
using MlNetVae.Engine.Kernels;

namespace MlNetVae.Engine.Autodiff;

internal sealed partial class Tape
{
    /// <summary>
    /// A Linear layer in one op, y [rows, out] = x [rows, in] W^T + b for W [out, in] (PyTorch's layout) and b [out]:
    /// the same values as <see cref="AddBias"/> of <see cref="MatMul"/>, without the separate bias pass forward and the
    /// copy of the gradient backward.
    /// </summary>
    internal Node Linear(Node x, Node weight, Node bias)
    {
        var node = Push<LinearNode>();
        node.Forward(Compute, x, weight, bias);
        return node;
    }
}

/// <summary>
/// y = x W^T + b: every row of y starts as b and one GEMM adds x W^T onto it (the micro-kernel adds the product to what
/// C holds, so the sum is the one MatMul then AddBias computes). Backward: dx += dy W, dW += dy^T x, db += dy's column sums.
/// </summary>
internal sealed class LinearNode : Node
{
    private Node _x = null!, _w = null!, _b = null!;
    private bool _relu;

    /// <summary>Rectifies the output in place: this node then stands for ReLU(x W^T + b) (see <see cref="FusedRelu"/>).</summary>
    public void FuseRelu(Compute compute)
    {
        FusedRelu.Apply(compute, Value.Span);
        _relu = true;
    }

    public void Forward(Compute compute, Node x, Node weight, Node bias)
    {
        RequireMatrix("linear", nameof(x), x);
        RequireMatrix("linear", nameof(weight), weight);
        ArgumentNullException.ThrowIfNull(bias);
        int rows = x.Value.Shape[0], inputs = x.Value.Shape[1], outputs = weight.Value.Shape[0];
        if (weight.Value.Shape[1] != inputs)
            throw new ArgumentException($"linear needs weight [out, {inputs}] for x {x.Value}, got weight {weight.Value}", nameof(weight));
        if (bias.Value.Rank != 1 || bias.Value.Length != outputs)
            throw new ArgumentException($"linear needs bias [{outputs}] for weight {weight.Value}, got bias {bias.Value}", nameof(bias));
        (_x, _w, _b, _relu) = (x, weight, bias, false);
        RequiresGrad = x.RequiresGrad || weight.RequiresGrad || bias.RequiresGrad;
        var y = Output([rows, outputs]); // (rows, out)
        var b = bias.Value.Span;
        for (int r = 0; r < rows; r++) b.CopyTo(y.Row(r));
        Gemm.Multiply(compute, false, true, rows, outputs, inputs, 1f, x.Value.Span, inputs, weight.Value.Span, inputs, 1f, y.Span, outputs);
    }

    internal override void Backward(Compute compute)
    {
        var dy = Grad!; // (rows, out)
        int rows = dy.Shape[0], outputs = dy.Shape[1], inputs = _x.Value.Shape[1];
        if (_relu) FusedRelu.Mask(compute, Value.Span, dy.Span);
        if (_x.RequiresGrad) Gemm.Multiply(compute, false, false, rows, inputs, outputs, 1f, dy.Span, outputs, _w.Value.Span, inputs, 1f,
            _x.Grad!.Span, inputs);
        if (_w.RequiresGrad) Gemm.Multiply(compute, true, false, outputs, inputs, rows, 1f, dy.Span, outputs, _x.Value.Span, inputs, 1f, _w.Grad!.Span, inputs);
        if (_b.RequiresGrad)
        {
            var db = _b.Grad!.Span;
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(db, dy.Row(r), db);
        }
    }
}
