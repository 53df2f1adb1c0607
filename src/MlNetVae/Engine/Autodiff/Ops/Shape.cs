using System.Numerics.Tensors;

namespace MlNetVae.Engine.Autodiff;

internal sealed partial class Tape
{
    /// <summary>
    /// Concatenates matrices [rows, cols_i] with the same number of rows along the feature axis (axis 1) into
    /// [rows, sum of cols_i]. Called as <c>Concat(a, b, c)</c> the parts live on the stack, so the call does not allocate.
    /// </summary>
    public Node Concat(params ReadOnlySpan<Node> parts)
    {
        var node = Push<ConcatNode>();
        node.Forward(parts);
        return node;
    }

    /// <summary>
    /// Columns [<paramref name="start"/>, start + <paramref name="length"/>) of a matrix x [rows, cols], as a new
    /// matrix [rows, length] (a copy, not a view).
    /// </summary>
    public Node Slice(Node x, int start, int length)
    {
        var node = Push<SliceNode>();
        node.Forward(x, start, length);
        return node;
    }
}

/// <summary>y (rows, sum cols_i) = [x_0 | x_1 | ...]; each part's gradient is its block of columns of dy.</summary>
internal sealed class ConcatNode : Node
{
    // Kept across steps: cleared and refilled, so it only grows (allocates) when a step has more parts than any before.
    private readonly List<Node> _parts = [];

    public void Forward(ReadOnlySpan<Node> parts)
    {
        if (parts.Length == 0) throw new ArgumentException("concat needs at least one part", nameof(parts));
        RequireMatrix("concat", "parts[0]", parts[0]);
        int rows = parts[0].Value.Shape[0], cols = 0;
        _parts.Clear();
        RequiresGrad = false;
        for (int i = 0; i < parts.Length; i++)
        {
            var p = parts[i];
            ArgumentNullException.ThrowIfNull(p, nameof(parts));
            if (p.Value.Rank != 2 || p.Value.Shape[0] != rows)
                throw new ArgumentException($"concat needs matrices [{rows}, cols] (the rows of parts[0]), got parts[{i}] {p.Value}", nameof(parts));
            _parts.Add(p);
            RequiresGrad |= p.RequiresGrad;
            cols += p.Value.Shape[1];
        }
        var y = Output([rows, cols]); // (rows, cols)
        for (int r = 0; r < rows; r++)
        {
            var yr = y.Row(r);
            int offset = 0;
            foreach (var p in _parts)
            {
                var pr = p.Value.Row(r);
                pr.CopyTo(yr.Slice(offset));
                offset += pr.Length;
            }
        }
    }

    internal override void Backward(Compute compute)
    {
        var dy = Grad!;
        int offset = 0;
        foreach (var p in _parts)
        {
            int cols = p.Value.Shape[1];
            if (p.RequiresGrad)
            {
                var dp = p.Grad!;
                for (int r = 0; r < dy.Rows; r++) TensorPrimitives.Add(dp.Row(r), dy.Row(r).Slice(offset, cols), dp.Row(r));
            }
            offset += cols;
        }
    }
}

/// <summary>y (rows, length) = x[:, start:start+length]; dx gets dy added into those columns.</summary>
internal sealed class SliceNode : Node
{
    private Node _x = null!;
    private int _start;

    public void Forward(Node x, int start, int length)
    {
        RequireMatrix("slice", nameof(x), x);
        int cols = x.Value.Shape[1];
        if (start < 0 || length < 0 || start > cols - length)
            throw new ArgumentOutOfRangeException(nameof(start), $"slice of columns [{start}, {start}+{length}) does not fit x {x.Value}");
        (_x, _start) = (x, start);
        RequiresGrad = x.RequiresGrad;
        var y = Output([x.Value.Shape[0], length]); // (rows, length)
        for (int r = 0; r < y.Rows; r++) x.Value.Row(r).Slice(start, length).CopyTo(y.Row(r));
    }

    internal override void Backward(Compute compute)
    {
        var dy = Grad!;
        var dx = _x.Grad!;
        int length = dy.Shape[1];
        for (int r = 0; r < dy.Rows; r++)
        {
            var target = dx.Row(r).Slice(_start, length);
            TensorPrimitives.Add(target, dy.Row(r), target);
        }
    }
}
