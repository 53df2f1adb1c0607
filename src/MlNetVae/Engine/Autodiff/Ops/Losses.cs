using MlNetVae.Engine.Kernels;
using System.Numerics.Tensors;

namespace MlNetVae.Engine.Autodiff;

// Fused negative log-likelihoods. Each returns one loss per element (or per group of elements), never a sum,
// so callers can sum a row into a per-row score or everything into a training loss with the reductions.
internal sealed partial class Tape
{
    /// <summary>
    /// Binary cross-entropy of <paramref name="logits"/> against <paramref name="targets"/> in [0, 1], elementwise,
    /// same shape as both: max(l, 0) - l t + log1p(e^-|l|), which equals -t log sigmoid(l) - (1 - t) log(1 - sigmoid(l))
    /// without ever forming sigmoid(l), so logits of any magnitude give finite, accurate losses.
    /// Gradients: sigmoid(l) - t for the logits, -l for the targets.
    /// </summary>
    public Node BceWithLogits(Node logits, Node targets)
    {
        var node = Push<BceWithLogitsNode>();
        node.Forward(logits, targets);
        return node;
    }

}

internal sealed class BceWithLogitsNode : Node
{
    private Node _l = null!, _t = null!;
    private Tensor? _a, _b;

    public void Forward(Node logits, Node targets)
    {
        RequireSameShape("bcewithlogits", nameof(logits), logits, nameof(targets), targets);
        (_l, _t) = (logits, targets);
        RequiresGrad = logits.RequiresGrad || targets.RequiresGrad;
        var l = logits.Value.Span;
        var y = Output(logits.Value.Shape).Span;
        var a = Scratch(ref _a, logits.Value.Shape);
        var b = Scratch(ref _b, logits.Value.Shape);
        StableMath.SoftplusOfMinusAbs(l, a, b, y);
        // (max(l, 0) - l t) first: for a confident right answer it is exactly 0 and the tiny log1p term survives.
        TensorPrimitives.Multiply(l, targets.Value.Span, a);
        TensorPrimitives.Max(l, 0f, b);
        TensorPrimitives.Subtract(b, a, b);
        TensorPrimitives.Add(b, y, y);
    }

    internal override void Backward(Compute compute)
    {
        var dy = Grad!.Span;
        var l = _l.Value.Span;
        var g = _a!.Span;
        if (_l.RequiresGrad)
        {
            TensorPrimitives.Sigmoid(l, g);
            Subnormals.FlushToZero(g); // saturated logits: e^-90 would make every later product subnormal
            TensorPrimitives.Subtract(g, _t.Value.Span, g);
            TensorPrimitives.MultiplyAdd(dy, g, _l.Grad!.Span, _l.Grad!.Span);
        }
        if (_t.RequiresGrad)
        {
            TensorPrimitives.Multiply(dy, l, g);
            TensorPrimitives.Subtract(_t.Grad!.Span, g, _t.Grad!.Span);
        }
    }
}

