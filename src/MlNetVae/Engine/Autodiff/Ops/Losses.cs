using MlNetVae.Engine.Kernels;
using System.Numerics.Tensors;

namespace MlNetVae.Engine.Autodiff;

// Fused negative log-likelihoods. Each returns one loss per element (or per group of elements), never a sum,
// so callers can sum a row into a per-row score or everything into a training loss with the reductions.
public sealed partial class Tape
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

    /// <summary>
    /// Negative log-density of <paramref name="x"/> under N(mean, exp(logVar)), elementwise:
    /// 0.5 (log(2 pi) + logVar + (x - mean)^2 exp(-logVar)), with the shape of x and mean (which must agree).
    /// <paramref name="logVar"/> is either that shape too, or [cols] for a matrix mean [rows, cols]: one learned
    /// variance per feature shared by all rows. Clamp the log-variance first (for example to [-30, 20]): exp(-logVar)
    /// overflows float below -88. Gradients flow to all three inputs.
    /// </summary>
    public Node GaussianNll(Node x, Node mean, Node logVar)
    {
        var node = Push<GaussianNllNode>();
        node.Forward(x, mean, logVar);
        return node;
    }

    /// <summary>
    /// Cross-entropy of categorical features encoded as groups of one-hot columns: for a matrix of
    /// <paramref name="logits"/> [rows, cols] and <paramref name="targets"/> of the same shape, and groups of columns
    /// given as (start, length), the output [rows, groupCount] holds, per row and group, -sum_j t_j log softmax(l)_j
    /// over the group's columns. The log-softmax subtracts the group's maximum, so logits of any magnitude give
    /// finite losses. Gradients: softmax(l) * sum(t) - t for the logits (softmax - t for one-hot targets),
    /// -log softmax(l) for the targets. Columns outside every group are ignored.
    /// </summary>
    public Node CategoricalNll(Node logits, Node targets, ReadOnlySpan<(int Start, int Length)> groups)
    {
        var node = Push<CategoricalNllNode>();
        node.Forward(logits, targets, groups);
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

/// <summary>
/// y = 0.5 (log 2pi + lv + d z) with d = x - mean and z = d exp(-lv), both kept (shape of x) for the backward pass:
/// dx += dy z, dmean -= dy z, dlv += 0.5 dy (1 - d z), summed over rows when lv is a per-feature vector.
/// </summary>
internal sealed class GaussianNllNode : Node
{
    private static readonly float Log2Pi = MathF.Log(2 * MathF.PI);

    private Node _x = null!, _mean = null!, _logVar = null!;
    private bool _perFeature;
    private Tensor? _d, _z, _inverseVar, _g;

    public void Forward(Node x, Node mean, Node logVar)
    {
        RequireSameShape("gaussiannll", nameof(x), x, nameof(mean), mean);
        ArgumentNullException.ThrowIfNull(logVar);
        var shape = mean.Value.Shape;
        _perFeature = !logVar.Value.HasShape(shape);
        if (_perFeature && (shape.Length != 2 || logVar.Value.Rank != 1 || logVar.Value.Length != shape[1]))
            throw new ArgumentException($"gaussiannll needs logVar shaped like mean {mean.Value} or, for a matrix mean, [cols]; got logVar {logVar.Value}", nameof(logVar));
        (_x, _mean, _logVar) = (x, mean, logVar);
        RequiresGrad = x.RequiresGrad || mean.RequiresGrad || logVar.RequiresGrad;

        var lv = logVar.Value.Span;
        var d = Scratch(ref _d, shape);
        var z = Scratch(ref _z, shape);
        var y = Output(shape);
        TensorPrimitives.Subtract(x.Value.Span, mean.Value.Span, d);
        if (!_perFeature)
        {
            TensorPrimitives.Negate(lv, z);
            TensorPrimitives.Exp(z, z);
            TensorPrimitives.Multiply(d, z, z);
            TensorPrimitives.Multiply(d, z, y.Span);
            TensorPrimitives.Add(y.Span, lv, y.Span);
        }
        else
        {
            var inverseVar = Scratch(ref _inverseVar, [lv.Length]); // (cols)
            TensorPrimitives.Negate(lv, inverseVar);
            TensorPrimitives.Exp(inverseVar, inverseVar);
            int cols = lv.Length;
            for (int r = 0; r < y.Rows; r++)
            {
                var dr = d.Slice(r * cols, cols);
                var zr = z.Slice(r * cols, cols);
                TensorPrimitives.Multiply(dr, inverseVar, zr);
                TensorPrimitives.Multiply(dr, zr, y.Row(r));
                TensorPrimitives.Add(y.Row(r), lv, y.Row(r));
            }
        }
        TensorPrimitives.Add(y.Span, Log2Pi, y.Span);
        TensorPrimitives.Multiply(y.Span, 0.5f, y.Span);
    }

    internal override void Backward(Compute compute)
    {
        var dy = Grad!.Span;
        var d = _d!.Span;
        var z = _z!.Span;
        var g = Scratch(ref _g, Value.Shape);
        if (_x.RequiresGrad || _mean.RequiresGrad)
        {
            TensorPrimitives.Multiply(dy, z, g);
            if (_x.RequiresGrad) TensorPrimitives.Add(_x.Grad!.Span, g, _x.Grad!.Span);
            if (_mean.RequiresGrad) TensorPrimitives.Subtract(_mean.Grad!.Span, g, _mean.Grad!.Span);
        }
        if (_logVar.RequiresGrad)
        {
            TensorPrimitives.Multiply(d, z, g);
            TensorPrimitives.Subtract(1f, g, g);
            TensorPrimitives.Multiply(g, dy, g);
            var dlv = _logVar.Grad!.Span;
            if (!_perFeature) TensorPrimitives.MultiplyAdd(g, 0.5f, dlv, dlv);
            else
                for (int r = 0; r < Value.Rows; r++) TensorPrimitives.MultiplyAdd(g.Slice(r * dlv.Length, dlv.Length), 0.5f, dlv, dlv);
        }
    }
}

/// <summary>
/// Per row and group: y = T log(sum exp(l - m)) - sum t (l - m), with m the group's max and T = sum t. The
/// log-sum-exp m + log(sum) is kept, (rows, groups), so the backward pass recomputes softmax = exp(l - lse).
/// </summary>
internal sealed class CategoricalNllNode : Node
{
    // Cleared and refilled every step: allocates only when a step has more groups than any before.
    private readonly List<(int Start, int Length)> _groups = [];
    private Node _l = null!, _t = null!;
    private Tensor? _lse, _e;

    public void Forward(Node logits, Node targets, ReadOnlySpan<(int Start, int Length)> groups)
    {
        RequireMatrix("categoricalnll", nameof(logits), logits);
        RequireSameShape("categoricalnll", nameof(logits), logits, nameof(targets), targets);
        int rows = logits.Value.Shape[0], cols = logits.Value.Shape[1], longest = 0;
        _groups.Clear();
        foreach (var (start, length) in groups)
        {
            if (start < 0 || length < 1 || start > cols - length)
                throw new ArgumentException($"categoricalnll group (start {start}, length {length}) is empty or outside the {cols} columns of logits {logits.Value}", nameof(groups));
            _groups.Add((start, length));
            longest = Math.Max(longest, length);
        }
        (_l, _t) = (logits, targets);
        RequiresGrad = logits.RequiresGrad || targets.RequiresGrad;

        var y = Output([rows, groups.Length]); // (rows, groups)
        var lse = Scratch(ref _lse, [rows, groups.Length]);
        var e = Scratch(ref _e, [longest]);
        for (int r = 0; r < rows; r++)
            for (int g = 0; g < groups.Length; g++)
            {
                var (start, length) = groups[g];
                var l = logits.Value.Row(r).Slice(start, length);
                var t = targets.Value.Row(r).Slice(start, length);
                var eg = e[..length];
                float max = TensorPrimitives.Max(l);
                TensorPrimitives.Subtract(l, max, eg);
                float dot = TensorPrimitives.Dot(t, eg);
                TensorPrimitives.Exp(eg, eg);
                float logSum = MathF.Log(TensorPrimitives.Sum(eg));
                y[r, g] = TensorPrimitives.Sum(t) * logSum - dot;
                lse[r * groups.Length + g] = max + logSum;
            }
    }

    internal override void Backward(Compute compute)
    {
        var dy = Grad!;
        var lse = _lse!.Span;
        var e = _e!.Span;
        int groupCount = _groups.Count;
        for (int r = 0; r < dy.Rows; r++)
            for (int g = 0; g < groupCount; g++)
            {
                var (start, length) = _groups[g];
                var t = _t.Value.Row(r).Slice(start, length);
                var eg = e[..length];
                float dyg = dy[r, g];
                TensorPrimitives.Subtract(_l.Value.Row(r).Slice(start, length), lse[r * groupCount + g], eg); // log softmax
                if (_t.RequiresGrad)
                {
                    var dt = _t.Grad!.Row(r).Slice(start, length);
                    TensorPrimitives.MultiplyAdd(eg, -dyg, dt, dt);
                }
                if (_l.RequiresGrad)
                {
                    TensorPrimitives.Exp(eg, eg);
                    TensorPrimitives.Multiply(eg, TensorPrimitives.Sum(t), eg);
                    TensorPrimitives.Subtract(eg, t, eg);
                    var dl = _l.Grad!.Row(r).Slice(start, length);
                    TensorPrimitives.MultiplyAdd(eg, dyg, dl, dl);
                }
            }
    }
}
