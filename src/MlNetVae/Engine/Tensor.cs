namespace MlNetVae.Engine;

/// <summary>
/// A float32 tensor: contiguous, row-major, with an explicit shape. It is either the owner of its own
/// buffer or a view into a larger one (the flat parameter, gradient and moment buffers of a model).
/// </summary>
/// <remarks>
/// The buffer may be larger than the tensor. Training reuses the same tensors step after step; a smaller
/// last batch only shrinks the logical shape (<see cref="Resize"/>) instead of allocating, which is what
/// keeps the steady-state training step allocation-free.
/// </remarks>
internal sealed class Tensor
{
    private int[] _shape;

    /// <summary>Creates a zero-filled tensor that owns its buffer.</summary>
    public Tensor(params int[] shape)
    {
        _shape = CheckedShape(shape);
        Length = Product(_shape);
        Buffer = new float[Length];
    }

    /// <summary>Creates a view over <paramref name="buffer"/> starting at <paramref name="offset"/>; no copy.</summary>
    public Tensor(float[] buffer, int offset, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        _shape = CheckedShape(shape);
        Length = Product(_shape);
        if (offset < 0 || offset > buffer.Length - Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"a view of {Length} floats at offset {offset} does not fit a buffer of {buffer.Length}");
        Buffer = buffer;
        Offset = offset;
        IsView = true;
    }

    /// <summary>Creates a tensor that owns a copy of <paramref name="values"/>.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> values, params int[] shape)
    {
        var t = new Tensor(shape);
        if (values.Length != t.Length)
            throw new ArgumentException($"{values.Length} values cannot fill shape [{string.Join(", ", shape)}]");
        values.CopyTo(t.Span);
        return t;
    }

    /// <summary>The backing array; the tensor occupies <c>[Offset, Offset + Length)</c> of it.</summary>
    public float[] Buffer { get; }

    /// <summary>Where the tensor starts in <see cref="Buffer"/>.</summary>
    public int Offset { get; }

    /// <summary>Number of elements (the product of the shape).</summary>
    public int Length { get; private set; }

    /// <summary>True when the tensor is a view into a buffer shared with other tensors.</summary>
    public bool IsView { get; }

    // Floats available from Offset on: the whole array for an owner, the rest of the shared one for a view.
    private int Capacity => Buffer.Length - Offset;

    /// <summary>The shape, outermost dimension first. Do not modify the returned array.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The first dimension (the batch, for a matrix of rows).</summary>
    public int Rows => _shape[0];

    /// <summary>Elements per row: the product of all dimensions but the first (1 for a vector's elements).</summary>
    public int Cols => _shape.Length == 1 ? 1 : Length / Math.Max(1, _shape[0]);

    /// <summary>The tensor's elements.</summary>
    public Span<float> Span => Buffer.AsSpan(Offset, Length);

    /// <summary>Row <paramref name="r"/> of a tensor seen as [Rows, Cols].</summary>
    public Span<float> Row(int r) => Buffer.AsSpan(Offset + r * Cols, Cols);

    /// <summary>Element access for a matrix seen as [Rows, Cols].</summary>
    public float this[int r, int c]
    {
        get => Buffer[Offset + r * Cols + c];
        set => Buffer[Offset + r * Cols + c] = value;
    }

    /// <summary>True when this tensor has exactly the given shape.</summary>
    public bool HasShape(ReadOnlySpan<int> shape) => shape.SequenceEqual(_shape);

    /// <summary>Fills the tensor with zeros.</summary>
    public void Clear() => Span.Clear();

    /// <summary>A new tensor that owns a copy of this one's elements.</summary>
    public Tensor Clone() => FromArray(Span, _shape);

    /// <summary>
    /// Changes the logical shape in place, keeping an owned buffer when it is large enough (contents are then
    /// unspecified); otherwise, and always for a view, it returns a new owning tensor. Returns the tensor to use.
    /// </summary>
    internal static Tensor Resize(Tensor? t, ReadOnlySpan<int> shape)
    {
        if (t is not null && t.HasShape(shape)) return t;
        int length = Product(shape);
        if (t is null || t.IsView || length > t.Capacity) return new Tensor(shape.ToArray());
        t._shape = shape.ToArray(); // only when the shape changes: once per epoch for the last batch
        t.Length = length;
        return t;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Tensor[{string.Join(", ", _shape)}]";

    private static int[] CheckedShape(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0) throw new ArgumentException("a tensor needs at least one dimension");
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"negative dimension in shape [{string.Join(", ", shape)}]");
        Product(shape);
        return (int[])shape.Clone();
    }

    private static int Product(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
            if (n > Array.MaxLength) throw new ArgumentException($"shape [{string.Join(", ", shape.ToArray())}] has more elements than an array can hold");
        }
        return (int)n;
    }
}
