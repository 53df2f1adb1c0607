namespace MlNetVae.Engine.Autodiff;

/// <summary>
/// A leaf that lives outside any tape and takes no gradient: a fixed tensor used in every pass
/// (a fixed variance, say), the counterpart of a <see cref="Parameter"/> that is not trained.
/// </summary>
internal sealed class ConstantNode : Node
{
    public ConstantNode(Tensor value) => Value = value;

    internal override void Backward(Compute compute) { }
}
