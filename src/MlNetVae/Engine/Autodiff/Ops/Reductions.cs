using System.Numerics.Tensors;

namespace MlNetVae.Engine.Autodiff;

// Axis conventions for a matrix x [rows, cols]: reducing axis 1 (over the columns of each row) gives [rows, 1],
// a column that can be concatenated with others (IWAE stacks one per-row score per sample) and added to other
// per-row scores; reducing axis 0 (over the rows) gives [cols], the shape of a bias or a per-feature vector.
internal sealed partial class Tape
{
    /// <summary>The sum of all elements, as a tensor of shape [1].</summary>
    public Node Sum(Node x) => Reduce(x, mean: false);

    /// <summary>The mean of all elements, as a tensor of shape [1].</summary>
    public Node Mean(Node x) => Reduce(x, mean: true);

    /// <summary>
    /// Sums a matrix x [rows, cols] along <paramref name="axis"/>: 1 sums each row into [rows, 1], 0 sums each
    /// column into [cols].
    /// </summary>
    public Node Sum(Node x, int axis) => Reduce(x, axis, mean: false);

    /// <summary>Averages a matrix x [rows, cols] along <paramref name="axis"/>: 1 gives [rows, 1], 0 gives [cols].</summary>
    public Node Mean(Node x, int axis) => Reduce(x, axis, mean: true);

    /// <summary>
    /// log(sum(exp(x))) of a matrix x [rows, cols] along <paramref name="axis"/>: 1 reduces each row into [rows, 1]
    /// (IWAE's log-mean-exp over K samples, minus log K), 0 each column into [cols]. The maximum is subtracted before
    /// exponentiating, so any finite input gives a finite result; infinite inputs are not supported. The gradient
    /// is the softmax along the axis.
    /// </summary>
    public Node LogSumExp(Node x, int axis)
    {
        var node = Push<LogSumExpNode>();
        node.Forward(x, axis);
        return node;
    }

    private SumNode Reduce(Node x, bool mean)
    {
        var node = Push<SumNode>();
        node.Forward(x, mean);
        return node;
    }

    private AxisSumNode Reduce(Node x, int axis, bool mean)
    {
        var node = Push<AxisSumNode>();
        node.Forward(x, axis, mean);
        return node;
    }
}

/// <summary>y (1) = scale * sum(x), scale being 1 or 1 / length; dx += scale * dy.</summary>
internal sealed class SumNode : Node
{
    private Node _x = null!;
    private float _scale;

    public void Forward(Node x, bool mean)
    {
        ArgumentNullException.ThrowIfNull(x);
        _x = x;
        _scale = mean ? 1f / x.Value.Length : 1f;
        RequiresGrad = x.RequiresGrad;
        Output([1]).Span[0] = _scale * TensorPrimitives.Sum(x.Value.Span);
    }

    internal override void Backward(Compute compute) => TensorPrimitives.Add(_x.Grad!.Span, _scale * Grad!.Span[0], _x.Grad!.Span);
}

/// <summary>Sum or mean of x (rows, cols) along one axis: y (rows, 1) for axis 1, y (cols) for axis 0.</summary>
internal sealed class AxisSumNode : Node
{
    private Node _x = null!;
    private int _axis;
    private float _scale;

    public void Forward(Node x, int axis, bool mean)
    {
        RequireMatrix(mean ? "mean" : "sum", nameof(x), x);
        RequireAxis(mean ? "mean" : "sum", axis);
        var xv = x.Value;
        (_x, _axis) = (x, axis);
        _scale = mean ? 1f / xv.Shape[axis] : 1f;
        RequiresGrad = x.RequiresGrad;
        if (axis == 1)
        {
            var y = Output([xv.Rows, 1]).Span;
            for (int r = 0; r < y.Length; r++) y[r] = _scale * TensorPrimitives.Sum(xv.Row(r));
        }
        else
        {
            var y = Output([xv.Shape[1]]).Span;
            y.Clear();
            for (int r = 0; r < xv.Rows; r++) TensorPrimitives.Add(y, xv.Row(r), y);
            TensorPrimitives.Multiply(y, _scale, y);
        }
    }

    internal override void Backward(Compute compute)
    {
        var dx = _x.Grad!;
        var dy = Grad!.Span;
        for (int r = 0; r < dx.Rows; r++)
        {
            if (_axis == 1) TensorPrimitives.Add(dx.Row(r), _scale * dy[r], dx.Row(r));
            else TensorPrimitives.MultiplyAdd(dy, _scale, dx.Row(r), dx.Row(r));
        }
    }
}

/// <summary>
/// y = m + log(sum(exp(x - m))) along one axis, m the maximum; dx += dy * exp(x - y), the softmax recomputed
/// from the stored y so no (rows, cols) buffer is kept.
/// </summary>
internal sealed class LogSumExpNode : Node
{
    private Node _x = null!;
    private int _axis;
    private Tensor? _e, _sum;

    public void Forward(Node x, int axis)
    {
        RequireMatrix("logsumexp", nameof(x), x);
        RequireAxis("logsumexp", axis);
        var xv = x.Value;
        if (xv.Shape[axis] == 0) throw new ArgumentException($"logsumexp along axis {axis} needs at least one element per " +
            $"{(axis == 1 ? "row" : "column")}, got {xv}", nameof(x));
        int cols = xv.Shape[1];
        (_x, _axis) = (x, axis);
        RequiresGrad = x.RequiresGrad;
        var e = Scratch(ref _e, [cols]);
        if (axis == 1)
        {
            var y = Output([xv.Rows, 1]).Span;
            for (int r = 0; r < y.Length; r++)
            {
                var row = xv.Row(r);
                float max = TensorPrimitives.Max(row);
                TensorPrimitives.Subtract(row, max, e);
                TensorPrimitives.Exp(e, e);
                y[r] = max + MathF.Log(TensorPrimitives.Sum(e));
            }
        }
        else
        {
            var y = Output([cols]).Span; // holds the column maxima until the end
            var sum = Scratch(ref _sum, [cols]);
            xv.Row(0).CopyTo(y);
            for (int r = 1; r < xv.Rows; r++) TensorPrimitives.Max(y, xv.Row(r), y);
            sum.Clear();
            for (int r = 0; r < xv.Rows; r++)
            {
                TensorPrimitives.Subtract(xv.Row(r), y, e);
                TensorPrimitives.Exp(e, e);
                TensorPrimitives.Add(sum, e, sum);
            }
            TensorPrimitives.Log(sum, sum);
            TensorPrimitives.Add(y, sum, y);
        }
    }

    internal override void Backward(Compute compute)
    {
        var dx = _x.Grad!;
        var x = _x.Value;
        var y = Value.Span;
        var dy = Grad!.Span;
        var e = _e!.Span;
        for (int r = 0; r < x.Rows; r++)
        {
            if (_axis == 1) TensorPrimitives.Subtract(x.Row(r), y[r], e);
            else TensorPrimitives.Subtract(x.Row(r), y, e);
            TensorPrimitives.Exp(e, e);
            if (_axis == 1) TensorPrimitives.MultiplyAdd(e, dy[r], dx.Row(r), dx.Row(r));
            else TensorPrimitives.MultiplyAdd(e, dy, dx.Row(r), dx.Row(r));
        }
    }
}
