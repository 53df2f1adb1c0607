using MlNetVae.Engine.Kernels;

namespace MlNetVae.Engine.Autodiff;

internal sealed partial class Tape
{
    /// <summary>
    /// Matrix product op(a) * op(b) of two matrices, op transposing when asked. A Linear layer with
    /// PyTorch's weight layout [out, in] is <c>MatMul(x, w, transposeB: true)</c>.
    /// </summary>
    public Node MatMul(Node a, Node b, bool transposeA = false, bool transposeB = false)
    {
        var node = Push<MatMulNode>();
        node.Forward(Compute, a, b, transposeA, transposeB);
        return node;
    }
}

/// <summary>C = op(A) op(B); dA and dB are two more products with the transposes arranged so no copy is made.</summary>
internal sealed class MatMulNode : Node
{
    private Node _a = null!, _b = null!;
    private bool _ta, _tb;

    public void Forward(Compute compute, Node a, Node b, bool ta, bool tb)
    {
        if (a.Value.Rank != 2 || b.Value.Rank != 2) throw new ArgumentException($"matmul needs matrices, got {a.Value} and {b.Value}");
        int m = ta ? a.Value.Shape[1] : a.Value.Shape[0];
        int k = ta ? a.Value.Shape[0] : a.Value.Shape[1];
        int kb = tb ? b.Value.Shape[1] : b.Value.Shape[0];
        int n = tb ? b.Value.Shape[0] : b.Value.Shape[1];
        if (k != kb) throw new ArgumentException($"matmul shapes do not agree: {a.Value}{(ta ? "^T" : "")} x {b.Value}{(tb ? "^T" : "")}");
        (_a, _b, _ta, _tb) = (a, b, ta, tb);
        RequiresGrad = a.RequiresGrad || b.RequiresGrad;
        var c = Output([m, n]); // (m, n)
        Gemm.Multiply(compute, ta, tb, m, n, k, 1f, a.Value.Span, a.Value.Shape[1], b.Value.Span, b.Value.Shape[1], 0f, c.Span, n);
    }

    internal override void Backward(Compute compute)
    {
        var dc = Grad!; // (m, n)
        int m = dc.Shape[0], n = dc.Shape[1];
        int k = _ta ? _a.Value.Shape[0] : _a.Value.Shape[1];
        int lda = _a.Value.Shape[1], ldb = _b.Value.Shape[1];
        if (_a.RequiresGrad)
        {
            // op(A) = A:   dA (m,k) = dC B^T (or dC B when B was transposed)
            // op(A) = A^T: dA (k,m) = op(B) dC^T, i.e. B dC^T (or B^T dC^T)
            var da = _a.Grad!.Span;
            if (!_ta) Gemm.Multiply(compute, false, !_tb, m, k, n, 1f, dc.Span, n, _b.Value.Span, ldb, 1f, da, lda);
            else Gemm.Multiply(compute, _tb, true, k, m, n, 1f, _b.Value.Span, ldb, dc.Span, n, 1f, da, lda);
        }
        if (_b.RequiresGrad)
        {
            // op(B) = B:   dB (k,n) = op(A)^T dC
            // op(B) = B^T: dB (n,k) = dC^T op(A)
            var db = _b.Grad!.Span;
            if (!_tb) Gemm.Multiply(compute, !_ta, false, k, n, m, 1f, _a.Value.Span, lda, dc.Span, n, 1f, db, ldb);
            else Gemm.Multiply(compute, true, _ta, n, k, m, 1f, dc.Span, n, _a.Value.Span, lda, 1f, db, ldb);
        }
    }
}
