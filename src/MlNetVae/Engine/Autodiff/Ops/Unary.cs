using System.Numerics.Tensors;

namespace MlNetVae.Engine.Autodiff;

internal sealed partial class Tape
{
    /// <summary>Elementwise e^x. Output has the shape of <paramref name="x"/>.</summary>
    public Node Exp(Node x) => Unary<ExpNode>(x);

    /// <summary>Elementwise ln x (-inf at 0, NaN below: callers keep x positive). Output has the shape of <paramref name="x"/>.</summary>
    public Node Log(Node x) => Unary<LogNode>(x);

    /// <summary>Elementwise x^2.</summary>
    public Node Square(Node x) => Unary<SquareNode>(x);

    /// <summary>
    /// Elementwise min(max(x, <paramref name="min"/>), <paramref name="max"/>), for example to keep a log-variance in a
    /// range where exp does not overflow. The gradient passes only where min &lt; x &lt; max (it is 0 on and beyond the bounds).
    /// </summary>
    public Node Clamp(Node x, float min, float max)
    {
        if (!(min <= max)) throw new ArgumentException($"clamp needs min <= max, got min {min} and max {max}", nameof(min));
        var node = Push<ClampNode>();
        (node.Min, node.Max) = (min, max);
        node.Forward(x);
        return node;
    }

    /// <summary>
    /// Elementwise x log x, with its limit 0 at x = 0 (and 0 for x &lt; 0): the negative entropy of a target, the
    /// floor a perfect reconstruction pays. Gradient log x + 1 where x &gt; 0, 0 elsewhere.
    /// </summary>
    public Node XLogX(Node x) => Unary<XLogXNode>(x);

    private T Unary<T>(Node x) where T : UnaryNode, new()
    {
        var node = Push<T>();
        node.Forward(x);
        return node;
    }
}

/// <summary>
/// Base of the elementwise ops y = f(x): one input and an output of its shape. Backward runs only when the
/// input requires a gradient, since this node's <see cref="Node.RequiresGrad"/> is the input's.
/// </summary>
internal abstract class UnaryNode : Node
{
    private Node _x = null!;

    public void Forward(Node x)
    {
        ArgumentNullException.ThrowIfNull(x);
        _x = x;
        RequiresGrad = x.RequiresGrad;
        Apply(x.Value.Span, Output(x.Value.Shape).Span);
    }

    /// <summary>y = f(x) elementwise; x and y never overlap.</summary>
    private protected abstract void Apply(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>dx += dy * f'(x), given x, y = f(x) and dy.</summary>
    private protected abstract void AddGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx);

    internal override void Backward(Compute compute) => AddGradient(_x.Value.Span, Value.Span, Grad!.Span, _x.Grad!.Span);

    /// <summary>The input's shape, for scratch buffers.</summary>
    private protected ReadOnlySpan<int> Shape => _x.Value.Shape;
}

internal sealed class ExpNode : UnaryNode
{
    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Exp(x, y);

    private protected override void AddGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        TensorPrimitives.MultiplyAdd(dy, y, dx, dx);
}

internal sealed class LogNode : UnaryNode
{
    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Log(x, y);

    // d ln x = dx / x.
    private protected override void AddGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < dx.Length; i++) dx[i] += dy[i] / x[i];
    }
}

internal sealed class SquareNode : UnaryNode
{
    private Tensor? _scratch;

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Multiply(x, x, y);

    private protected override void AddGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        var twoX = Scratch(ref _scratch, Shape);
        TensorPrimitives.Multiply(x, 2f, twoX);
        TensorPrimitives.MultiplyAdd(dy, twoX, dx, dx);
    }
}

internal sealed class ClampNode : UnaryNode
{
    public float Min, Max;

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Clamp(x, Min, Max, y);

    private protected override void AddGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < x.Length; i++)
            if (x[i] > Min && x[i] < Max) dx[i] += dy[i];
    }
}

internal sealed class XLogXNode : UnaryNode
{
    // Below the floor, x log x is taken as 0: max(x, floor) keeps log finite and 0 * log(floor) is exactly 0.
    private const float Tiny = SharedNumerics.LogFloor;
    private Tensor? _scratch;

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        TensorPrimitives.Max(x, Tiny, y);
        TensorPrimitives.Log(y, y);
        TensorPrimitives.Multiply(x, y, y);
        for (int i = 0; i < x.Length; i++)
            if (!(x[i] > 0)) y[i] = 0;
    }

    private protected override void AddGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        var g = Scratch(ref _scratch, Shape);
        TensorPrimitives.Max(x, Tiny, g);
        TensorPrimitives.Log(g, g);
        TensorPrimitives.Add(g, 1f, g);
        for (int i = 0; i < x.Length; i++)
            if (x[i] > 0) dx[i] += dy[i] * g[i];
    }
}
