namespace MlNetVae.Engine.Autodiff;

/// <summary>
/// A trainable leaf. Its value and gradient are usually views into a model's flat parameter and gradient
/// buffers, so the optimizer updates every parameter in one pass and zeroing all gradients is one clear.
/// </summary>
internal sealed class Parameter : Node
{
    /// <summary>Creates a parameter over existing value and gradient tensors of the same shape.</summary>
    public Parameter(string name, Tensor value, Tensor grad)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(grad);
        if (!grad.HasShape(value.Shape)) throw new ArgumentException($"parameter '{name}': gradient shape {grad} differs from value shape {value}");
        Name = name;
        Value = value;
        Grad = grad;
        RequiresGrad = true;
    }

    /// <summary>Creates a parameter that owns a value (the given tensor) and a zeroed gradient.</summary>
    public Parameter(string name, Tensor value) : this(name, value, new Tensor(value.Shape.ToArray())) { }

    /// <summary>The parameter's name (for example <c>encoder.0.weight</c>); ONNX initializers use it.</summary>
    public string Name { get; }

    internal override void Backward(Compute compute) { }
}
