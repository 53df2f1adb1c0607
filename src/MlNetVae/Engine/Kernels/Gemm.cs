namespace MlNetVae.Engine.Kernels;

/// <summary>Single-precision general matrix multiply on row-major matrices.</summary>
public static class Gemm
{
    /// <summary>
    /// C = alpha * op(A) * op(B) + beta * C, where op(X) is X or its transpose. All matrices are row-major:
    /// op(A) is [m, k], op(B) is [k, n], C is [m, n]; <paramref name="lda"/>, <paramref name="ldb"/>,
    /// <paramref name="ldc"/> are the row strides of A, B and C as stored. When beta is 0, C is not read
    /// (NaN in C does not propagate).
    /// </summary>
    public static void Multiply(Compute compute, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        ArgumentNullException.ThrowIfNull(compute);
        // TODO(gemm): replace with the packed, blocked, SIMD, parallel kernel.
        GemmReference.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
