using System.Numerics.Tensors;

namespace MlNetVae.Engine.Autodiff;

public sealed partial class Tape
{
    /// <summary>Elementwise a + b of two tensors of the same shape.</summary>
    public Node Add(Node a, Node b)
    {
        var node = Push<AddNode>();
        node.Forward(a, b);
        return node;
    }
}

internal sealed class AddNode : Node
{
    private Node _a = null!, _b = null!;

    public void Forward(Node a, Node b)
    {
        if (!a.Value.HasShape(b.Value.Shape)) throw new ArgumentException($"add needs equal shapes, got {a.Value} and {b.Value}");
        (_a, _b) = (a, b);
        RequiresGrad = a.RequiresGrad || b.RequiresGrad;
        TensorPrimitives.Add(a.Value.Span, b.Value.Span, Output(a.Value.Shape).Span);
    }

    internal override void Backward(Compute compute)
    {
        if (_a.RequiresGrad) TensorPrimitives.Add(_a.Grad!.Span, Grad!.Span, _a.Grad!.Span);
        if (_b.RequiresGrad) TensorPrimitives.Add(_b.Grad!.Span, Grad!.Span, _b.Grad!.Span);
    }
}
