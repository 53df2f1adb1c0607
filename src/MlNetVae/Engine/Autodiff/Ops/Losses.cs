using System.Numerics.Tensors;
using MlNetVae.Engine.Kernels;

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
        node.Forward(Compute, logits, targets);
        return node;
    }

}

/// <summary>
/// The loss and its logit gradient sigmoid(l) - t come from one fused pass (<see cref="LogisticLoss"/>), split over the
/// threads; backward then only scales the kept gradient by dy.
/// </summary>
internal sealed class BceWithLogitsNode : Node
{
    private Node _l = null!, _t = null!;
    private Tensor? _grad;

    public unsafe void Forward(Compute compute, Node logits, Node targets)
    {
        RequireSameShape("bcewithlogits", nameof(logits), logits, nameof(targets), targets);
        (_l, _t) = (logits, targets);
        RequiresGrad = logits.RequiresGrad || targets.RequiresGrad;
        var y = Output(logits.Value.Shape).Span;
        var g = Scratch(ref _grad, logits.Value.Shape);
        fixed (float* pl = logits.Value.Span, pt = targets.Value.Span, py = y, pg = g)
        {
            var body = new LossBody { L = pl, T = pt, Y = py, G = pg };
            compute.ForRanges(ref body, y.Length);
        }
    }

    internal override unsafe void Backward(Compute compute)
    {
        var dy = Grad!.Span;
        if (_l.RequiresGrad)
            fixed (float* pdy = dy, pg = _grad!.Span, pdl = _l.Grad!.Span)
            {
                var body = new MultiplyAddBody { A = pdy, B = pg, Target = pdl };
                compute.ForRanges(ref body, dy.Length);
            }
        if (_t.RequiresGrad)
        {
            // d/dt = -l; the kept gradient's buffer is free for the product once the logits' gradient has used it.
            var g = _grad!.Span;
            TensorPrimitives.Multiply(dy, _l.Value.Span, g);
            TensorPrimitives.Subtract(_t.Grad!.Span, g, _t.Grad!.Span);
        }
    }

    private unsafe struct LossBody : IRangeBody
    {
        public float* L, T, Y, G;

        public readonly void Run(int start, int length) =>
            LogisticLoss.Forward(new ReadOnlySpan<float>(L + start, length), new ReadOnlySpan<float>(T + start, length),
                new Span<float>(Y + start, length), new Span<float>(G + start, length));
    }
}

/// <summary>Target += A * B elementwise over a range, for <see cref="Compute.ForRanges"/>.</summary>
internal unsafe struct MultiplyAddBody : IRangeBody
{
    public float* A, B, Target;

    public readonly void Run(int start, int length)
    {
        var target = new Span<float>(Target + start, length);
        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(A + start, length), new ReadOnlySpan<float>(B + start, length), target, target);
    }
}
