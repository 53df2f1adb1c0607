namespace MlNetVae.Backends;

/// <summary>One named float32 tensor of a state dict: its shape and its values, row-major.</summary>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Data">The values; length = product of <paramref name="Shape"/>.</param>
public sealed record StateTensor(int[] Shape, float[] Data)
{
    /// <summary>Number of values (the product of the shape).</summary>
    public int Length => Data.Length;
}

/// <summary>
/// A model's tensors by name, in PyTorch's naming (<c>encoder.0.weight</c>, <c>decoder.2.bias</c>, ...): the one way
/// weights move between a trainer, the ONNX exporter, the model file and another backend. Besides the trainable
/// parameters it holds the buffers a forward pass needs (the input standardization, fixed variances, fitted
/// score statistics), as PyTorch's state_dict holds registered buffers. Entries keep their insertion order.
/// </summary>
public sealed class StateDict
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, StateTensor> _tensors = new(StringComparer.Ordinal);

    /// <summary>The names, in insertion order.</summary>
    public IReadOnlyList<string> Names => _order;

    /// <summary>Number of tensors.</summary>
    public int Count => _order.Count;

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    public StateTensor this[string name] =>
        _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"the state dict has no tensor '{name}'");

    /// <summary>True when a tensor of that name exists.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>Adds or replaces a tensor (the values are taken as they are, not copied); checks shape against length.</summary>
    public void Set(string name, int[] shape, float[] data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long length = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"tensor '{name}': negative dimension in [{string.Join(", ", shape)}]");
            length *= d;
        }
        if (length != data.Length) throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] holds {length} values, got {data.Length}");
        if (!_tensors.ContainsKey(name)) _order.Add(name);
        _tensors[name] = new StateTensor((int[])shape.Clone(), data);
    }

    /// <summary>A deep copy (new arrays), so the copy survives further training of the source.</summary>
    public StateDict Clone()
    {
        var copy = new StateDict();
        foreach (var name in _order) copy.Set(name, _tensors[name].Shape, (float[])_tensors[name].Data.Clone());
        return copy;
    }

    /// <summary>Total number of values over all tensors.</summary>
    public long TotalValues => _order.Sum(n => (long)_tensors[n].Length);
}
