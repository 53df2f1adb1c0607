using System.Numerics.Tensors;

namespace MlNetVae.Engine.Autodiff;

/// <summary>An elementwise binary operation.</summary>
internal enum BinaryOp
{
    /// <summary>a + b.</summary>
    Add,
    /// <summary>a - b.</summary>
    Sub,
    /// <summary>a * b.</summary>
    Mul,
    /// <summary>a / b.</summary>
    Div,
}

internal sealed partial class Tape
{
    /// <summary>
    /// a op b for a matrix a [rows, cols] and a b that is either a vector [cols], applied to every row (a bias, a
    /// per-feature scale), a column [rows, 1], applied to every column (a per-row normalizer), or a scalar [1], applied to
    /// every element (a fitted statistic such as the pixels' range). Same-shape
    /// operands go to <see cref="Add"/>, <see cref="Sub"/>, <see cref="Mul"/> and <see cref="Div"/>.
    /// </summary>
    public Node Broadcast(BinaryOp op, Node a, Node b)
    {
        var node = Push<BroadcastNode>();
        node.Forward(op, a, b);
        return node;
    }
}

/// <summary>
/// y [rows, cols] = a op b with b a row vector [cols], a column [rows, 1] or a scalar [1]. Backward reduces b's gradient
/// over the broadcast axes in a fixed order, so results do not depend on threading.
/// </summary>
internal sealed class BroadcastNode : Node
{
    private Node _a = null!, _b = null!;
    private BinaryOp _op;
    private bool _column, _scalar;
    private Tensor? _scratch;

    public void Forward(BinaryOp op, Node a, Node b)
    {
        RequireMatrix("broadcast", nameof(a), a);
        ArgumentNullException.ThrowIfNull(b);
        int rows = a.Value.Shape[0], cols = a.Value.Shape[1];
        bool row = b.Value.Rank == 1 && b.Value.Length == cols;
        bool column = b.Value.Rank == 2 && b.Value.Shape[0] == rows && b.Value.Shape[1] == 1;
        bool scalar = b.Value.Rank == 1 && b.Value.Length == 1;
        if (!row && !column && !scalar)
            throw new ArgumentException(
                $"broadcast {op} needs b as [cols] = [{cols}], [rows, 1] = [{rows}, 1] or [1] for a {a.Value}, got b {b.Value}", nameof(b));
        // A [1] b on one column is a row vector already; as a scalar it reads b[0] for every row (Index).
        (_op, _a, _b, _column, _scalar) = (op, a, b, column && !row, scalar && !row);
        RequiresGrad = a.RequiresGrad || b.RequiresGrad;
        var y = Output(a.Value.Shape);
        var bs = b.Value.Span;
        for (int r = 0; r < rows; r++)
        {
            var ar = a.Value.Row(r);
            var yr = y.Row(r);
            if (_column || _scalar) ApplyScalar(op, ar, bs[Index(r)], yr);
            else Apply(op, ar, bs, yr);
        }
    }

    /// <summary>Where row r's value of b is when one value serves the whole row (a column or a scalar b).</summary>
    private int Index(int r) => _scalar ? 0 : r;

    private static void Apply(BinaryOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); break;
            default: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    private static void ApplyScalar(BinaryOp op, ReadOnlySpan<float> a, float b, Span<float> y)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); break;
            default: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    internal override void Backward(Compute compute)
    {
        var dy = Grad!;
        int rows = dy.Shape[0];
        var bv = _b.Value.Span;
        var g = Scratch(ref _scratch, [dy.Shape[1]]);
        for (int r = 0; r < rows; r++)
        {
            var dyr = dy.Row(r);
            if (_a.RequiresGrad)
            {
                var da = _a.Grad!.Row(r);
                switch (_op)
                {
                    case BinaryOp.Add or BinaryOp.Sub: TensorPrimitives.Add(da, dyr, da); break;
                    case BinaryOp.Mul when _column || _scalar: TensorPrimitives.MultiplyAdd(dyr, bv[Index(r)], da, da); break;
                    case BinaryOp.Mul: TensorPrimitives.MultiplyAdd(dyr, bv, da, da); break;
                    case BinaryOp.Div when _column || _scalar: TensorPrimitives.MultiplyAdd(dyr, 1f / bv[Index(r)], da, da); break;
                    default:
                        TensorPrimitives.Divide(dyr, bv, g);
                        TensorPrimitives.Add(da, g, da);
                        break;
                }
            }
            if (!_b.RequiresGrad) continue;
            // d(a op b)/db: 1, -1, a, -y / b; summed over the broadcast axis.
            var db = _b.Grad!.Span;
            if (_column || _scalar)
            {
                db[Index(r)] += _op switch
                {
                    BinaryOp.Add => TensorPrimitives.Sum(dyr),
                    BinaryOp.Sub => -TensorPrimitives.Sum(dyr),
                    BinaryOp.Mul => TensorPrimitives.Dot(dyr, _a.Value.Row(r)),
                    _ => -TensorPrimitives.Dot(dyr, Value.Row(r)) / bv[Index(r)],
                };
                continue;
            }
            switch (_op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(db, dyr, db); break;
                case BinaryOp.Sub: TensorPrimitives.Subtract(db, dyr, db); break;
                case BinaryOp.Mul: TensorPrimitives.MultiplyAdd(dyr, _a.Value.Row(r), db, db); break;
                default:
                    TensorPrimitives.Multiply(dyr, Value.Row(r), g);
                    TensorPrimitives.Divide(g, bv, g);
                    TensorPrimitives.Subtract(db, g, db);
                    break;
            }
        }
    }
}
