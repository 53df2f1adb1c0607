using MlNetVae.Engine.Autodiff;

namespace MlNetVae.Engine.Nn;

/// <summary>
/// All of a model's parameters in one flat buffer, with their gradients in a second one of the same layout.
/// Each <see cref="Parameter"/> is a named view into both, so an optimizer step is one pass over two arrays
/// and zeroing every gradient is one clear.
/// </summary>
/// <remarks>
/// Modules register parameters while they are built (each starts in its own small buffer, where the module
/// initializes it); the first use of <see cref="Values"/> or <see cref="Grads"/> moves everything into the
/// flat buffers. No parameter can be added after that.
/// </remarks>
internal sealed class ParameterStore
{
    private readonly List<Parameter> _parameters = [];
    private float[]? _values, _grads;

    /// <summary>Registers a new parameter of the given shape, zero-initialized.</summary>
    public Parameter Add(string name, params int[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_values is not null) throw new InvalidOperationException($"cannot add parameter '{name}': the store is already in use");
        if (_parameters.Exists(p => p.Name == name)) throw new ArgumentException($"a parameter named '{name}' already exists");
        var p = new Parameter(name, new Tensor(shape));
        _parameters.Add(p);
        return p;
    }

    /// <summary>The parameters in registration order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Total number of scalar parameters.</summary>
    public int Count => _parameters.Sum(p => p.Value.Length);

    /// <summary>Every parameter value, flat, in registration order.</summary>
    public Span<float> Values => Flatten()._values;

    /// <summary>Every gradient, flat, in the same layout as <see cref="Values"/>.</summary>
    public Span<float> Grads => Flatten()._grads;

    /// <summary>Clears all gradients.</summary>
    public void ZeroGrad() => Grads.Clear();

    /// <summary>The parameter with this name.</summary>
    public Parameter this[string name] =>
        _parameters.Find(p => p.Name == name) ?? throw new KeyNotFoundException($"no parameter named '{name}'");

    private (float[] _values, float[] _grads) Flatten()
    {
        if (_values is not null) return (_values, _grads!);
        var values = new float[Count];
        var grads = new float[values.Length];
        int offset = 0;
        foreach (var p in _parameters)
        {
            int[] shape = p.Value.Shape.ToArray();
            p.Value.Span.CopyTo(values.AsSpan(offset));
            p.Value = new Tensor(values, offset, shape);
            p.Grad = new Tensor(grads, offset, shape);
            offset += p.Value.Length;
        }
        (_values, _grads) = (values, grads);
        return (values, grads);
    }
}
