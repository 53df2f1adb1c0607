namespace MlNetVae.Engine.Autodiff;

/// <summary>
/// One value of a computation recorded on a <see cref="Tape"/>: its tensor, its gradient, and the rule that
/// pushes the gradient back to its inputs.
/// </summary>
/// <remarks>
/// Nodes are recycled by the tape from one step to the next (same position, same op, same buffers), so a
/// node's <see cref="Value"/> is overwritten by the next step that records the same graph.
/// </remarks>
public abstract class Node
{
    /// <summary>The forward value.</summary>
    public Tensor Value { get; internal set; } = null!;

    /// <summary>d(loss)/d(Value) after <see cref="Tape.Backward(Node)"/>; null while no gradient was asked for.</summary>
    public Tensor? Grad { get; internal set; }

    /// <summary>True when a gradient flows to this node (it is, or depends on, something trainable).</summary>
    public bool RequiresGrad { get; internal set; }

    /// <summary>Adds this node's gradient contribution to its inputs' gradients (+=). Called only when <see cref="RequiresGrad"/>.</summary>
    internal abstract void Backward(Compute compute);

    /// <summary>Makes <see cref="Value"/> the given shape, reusing its buffer when it can.</summary>
    private protected Tensor Output(ReadOnlySpan<int> shape) => Value = Tensor.Resize(Value, shape);
}

/// <summary>A leaf that holds data: no gradient flows into it.</summary>
internal sealed class InputNode : Node
{
    internal override void Backward(Compute compute) { }
}
