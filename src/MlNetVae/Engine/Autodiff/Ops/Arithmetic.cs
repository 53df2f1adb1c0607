using System.Numerics.Tensors;

namespace MlNetVae.Engine.Autodiff;

internal sealed partial class Tape
{
    /// <summary>Elementwise a + b of two tensors of the same shape.</summary>
    public Node Add(Node a, Node b) => Binary<AddNode>("add", a, b);

    /// <summary>Elementwise a - b of two tensors of the same shape.</summary>
    public Node Sub(Node a, Node b) => Binary<SubNode>("sub", a, b);

    /// <summary>Elementwise a * b of two tensors of the same shape.</summary>
    public Node Mul(Node a, Node b) => Binary<MulNode>("mul", a, b);

    /// <summary>Elementwise a / b of two tensors of the same shape.</summary>
    public Node Div(Node a, Node b) => Binary<DivNode>("div", a, b);

    /// <summary>
    /// Adds a bias to every row: y[r, c] = x[r, c] + bias[c], for x [rows, cols] and bias [cols]
    /// (a Linear layer's bias after <see cref="MatMul"/>).
    /// </summary>
    public Node AddBias(Node x, Node bias)
    {
        var node = Push<AddBiasNode>();
        node.Forward(x, bias);
        return node;
    }

    /// <summary>Elementwise <paramref name="c"/> * x for a constant c.</summary>
    public Node Scale(Node x, float c)
    {
        var node = Push<ScaleNode>();
        node.C = c;
        node.Forward(x);
        return node;
    }

    /// <summary>Elementwise x + <paramref name="c"/> for a constant c.</summary>
    public Node AddScalar(Node x, float c)
    {
        var node = Push<AddScalarNode>();
        node.C = c;
        node.Forward(x);
        return node;
    }

    private T Binary<T>(string op, Node a, Node b) where T : BinaryNode, new()
    {
        var node = Push<T>();
        node.Forward(op, a, b);
        return node;
    }
}

/// <summary>Base of the elementwise ops y = f(a, b) on two tensors of the same shape.</summary>
internal abstract class BinaryNode : Node
{
    private Node _a = null!, _b = null!;

    public void Forward(string op, Node a, Node b)
    {
        RequireSameShape(op, nameof(a), a, nameof(b), b);
        (_a, _b) = (a, b);
        RequiresGrad = a.RequiresGrad || b.RequiresGrad;
        Apply(a.Value.Span, b.Value.Span, Output(a.Value.Shape).Span);
    }

    /// <summary>y = f(a, b) elementwise; y overlaps neither input.</summary>
    private protected abstract void Apply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>Adds dy * df/da into a's gradient and dy * df/db into b's, each only when that input requires it.</summary>
    private protected abstract void AddGradients(Node a, Node b, ReadOnlySpan<float> dy);

    internal override void Backward(Compute compute) => AddGradients(_a, _b, Grad!.Span);
}

internal sealed class AddNode : BinaryNode
{
    private protected override void Apply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => TensorPrimitives.Add(a, b, y);

    private protected override void AddGradients(Node a, Node b, ReadOnlySpan<float> dy)
    {
        if (a.RequiresGrad) TensorPrimitives.Add(a.Grad!.Span, dy, a.Grad!.Span);
        if (b.RequiresGrad) TensorPrimitives.Add(b.Grad!.Span, dy, b.Grad!.Span);
    }
}

internal sealed class SubNode : BinaryNode
{
    private protected override void Apply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => TensorPrimitives.Subtract(a, b, y);

    private protected override void AddGradients(Node a, Node b, ReadOnlySpan<float> dy)
    {
        if (a.RequiresGrad) TensorPrimitives.Add(a.Grad!.Span, dy, a.Grad!.Span);
        if (b.RequiresGrad) TensorPrimitives.Subtract(b.Grad!.Span, dy, b.Grad!.Span);
    }
}

internal sealed class MulNode : BinaryNode
{
    private protected override void Apply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => TensorPrimitives.Multiply(a, b, y);

    private protected override void AddGradients(Node a, Node b, ReadOnlySpan<float> dy)
    {
        if (a.RequiresGrad) TensorPrimitives.MultiplyAdd(dy, b.Value.Span, a.Grad!.Span, a.Grad!.Span);
        if (b.RequiresGrad) TensorPrimitives.MultiplyAdd(dy, a.Value.Span, b.Grad!.Span, b.Grad!.Span);
    }
}

internal sealed class DivNode : BinaryNode
{
    private Tensor? _scratch;

    private protected override void Apply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => TensorPrimitives.Divide(a, b, y);

    // da += dy / b;  db -= dy * a / b^2 = (dy / b) * y
    private protected override void AddGradients(Node a, Node b, ReadOnlySpan<float> dy)
    {
        var g = Scratch(ref _scratch, Value.Shape);
        TensorPrimitives.Divide(dy, b.Value.Span, g);
        if (a.RequiresGrad) TensorPrimitives.Add(a.Grad!.Span, g, a.Grad!.Span);
        if (b.RequiresGrad)
        {
            TensorPrimitives.Multiply(g, Value.Span, g);
            TensorPrimitives.Subtract(b.Grad!.Span, g, b.Grad!.Span);
        }
    }
}

/// <summary>y (rows, cols) = x (rows, cols) + bias (cols) on every row; dbias sums dy over the rows in row order.</summary>
internal sealed class AddBiasNode : Node
{
    private Node _x = null!, _bias = null!;

    public void Forward(Node x, Node bias)
    {
        RequireMatrix("addbias", nameof(x), x);
        ArgumentNullException.ThrowIfNull(bias);
        if (bias.Value.Rank != 1 || bias.Value.Length != x.Value.Shape[1])
            throw new ArgumentException($"addbias needs bias [cols] = [{x.Value.Shape[1]}] for x {x.Value}, got bias {bias.Value}", nameof(bias));
        (_x, _bias) = (x, bias);
        RequiresGrad = x.RequiresGrad || bias.RequiresGrad;
        var y = Output(x.Value.Shape); // (rows, cols)
        var b = bias.Value.Span;
        for (int r = 0; r < y.Rows; r++) TensorPrimitives.Add(x.Value.Row(r), b, y.Row(r));
    }

    internal override void Backward(Compute compute)
    {
        var dy = Grad!;
        if (_x.RequiresGrad) TensorPrimitives.Add(_x.Grad!.Span, dy.Span, _x.Grad!.Span);
        if (_bias.RequiresGrad)
        {
            var db = _bias.Grad!.Span;
            for (int r = 0; r < dy.Rows; r++) TensorPrimitives.Add(db, dy.Row(r), db);
        }
    }
}

internal sealed class ScaleNode : UnaryNode
{
    public float C;

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Multiply(x, C, y);

    private protected override void AddGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        TensorPrimitives.MultiplyAdd(dy, C, dx, dx);
}

internal sealed class AddScalarNode : UnaryNode
{
    public float C;

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Add(x, C, y);

    private protected override void AddGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        TensorPrimitives.Add(dx, dy, dx);
}
