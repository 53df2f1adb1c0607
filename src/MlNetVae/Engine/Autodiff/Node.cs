namespace MlNetVae.Engine.Autodiff;

/// <summary>
/// One value of a computation recorded on a <see cref="Tape"/>: its tensor, its gradient, and the rule that
/// pushes the gradient back to its inputs.
/// </summary>
/// <remarks>
/// Nodes are recycled by the tape from one step to the next (same position, same op, same buffers), so a
/// node's <see cref="Value"/> is overwritten by the next step that records the same graph.
/// </remarks>
internal abstract class Node
{
    /// <summary>The forward value.</summary>
    public Tensor Value { get; internal set; } = null!;

    /// <summary>d(loss)/d(Value) after <see cref="Tape.Backward(Node)"/>; null while no gradient was asked for.</summary>
    public Tensor? Grad { get; internal set; }

    /// <summary>True when a gradient flows to this node (it is, or depends on, something trainable).</summary>
    public bool RequiresGrad { get; internal set; }

    /// <summary>Where the node was last recorded on its tape; -1 for nodes never recorded (parameters).</summary>
    internal int Position { get; set; } = -1;

    /// <summary>Adds this node's gradient contribution to its inputs' gradients (+=). Called only when <see cref="RequiresGrad"/>.</summary>
    internal abstract void Backward(Compute compute);

    /// <summary>Makes <see cref="Value"/> the given shape, reusing its buffer when it can.</summary>
    private protected Tensor Output(ReadOnlySpan<int> shape) => Value = Tensor.Resize(Value, shape);

    /// <summary>A scratch buffer of the given shape kept in the node, so later steps reuse it.</summary>
    private protected static Span<float> Scratch(ref Tensor? buffer, ReadOnlySpan<int> shape) =>
        (buffer = Tensor.Resize(buffer, shape)).Span;

    /// <summary>Throws unless <paramref name="x"/> is a matrix [rows, cols].</summary>
    private protected static void RequireMatrix(string op, string name, Node x)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        if (x.Value.Rank != 2) throw new ArgumentException($"{op} needs {name} as a matrix [rows, cols], got {x.Value}", name);
    }

    /// <summary>Throws unless <paramref name="axis"/> is an axis of a matrix (0: down the rows, 1: along a row).</summary>
    private protected static void RequireAxis(string op, int axis)
    {
        if (axis is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(axis), axis, $"{op} reduces a matrix along axis 0 or 1");
    }

    /// <summary>Throws unless <paramref name="a"/> and <paramref name="b"/> have the same shape.</summary>
    private protected static void RequireSameShape(string op, string nameA, Node a, string nameB, Node b)
    {
        ArgumentNullException.ThrowIfNull(a, nameA);
        ArgumentNullException.ThrowIfNull(b, nameB);
        if (!a.Value.HasShape(b.Value.Shape))
            throw new ArgumentException($"{op} needs {nameA} and {nameB} of the same shape, got {nameA} {a.Value} and {nameB} {b.Value}", nameB);
    }
}

/// <summary>A leaf that holds data: no gradient flows into it.</summary>
internal sealed class InputNode : Node
{
    internal override void Backward(Compute compute) { }
}
