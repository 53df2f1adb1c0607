using System.Numerics.Tensors;

namespace MlNetVae.Engine.Kernels;

/// <summary>Single-precision general matrix multiply on row-major matrices.</summary>
internal static class Gemm
{
    /// <summary>
    /// C = alpha * op(A) * op(B) + beta * C, where op(X) is X or its transpose. All matrices are row-major:
    /// op(A) is [m, k], op(B) is [k, n], C is [m, n]; <paramref name="lda"/>, <paramref name="ldb"/>,
    /// <paramref name="ldc"/> are the row strides of A, B and C as stored. When beta is 0, C is not read
    /// (NaN in C does not propagate). Runs on <paramref name="compute"/>'s threads and instruction set; the
    /// result is the same for any thread count.
    /// </summary>
    public static unsafe void Multiply(Compute compute, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        ArgumentNullException.ThrowIfNull(compute);
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"matrix sizes must not be negative: m = {m}, n = {n}, k = {k}");
        CheckMatrix(a.Length, transA ? k : m, transA ? m : k, lda, nameof(a), nameof(lda));
        CheckMatrix(b.Length, transB ? n : k, transB ? k : n, ldb, nameof(b), nameof(ldb));
        CheckMatrix(c.Length, m, n, ldc, nameof(c), nameof(ldc));
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0)
        {
            Scale(m, n, beta, c, ldc);
            return;
        }
        fixed (float* pa = a, pb = b, pc = c)
        {
            if (m <= GemmSmallJob.MaxRows && compute.Isa == Isa.Avx512)
            {
                GemmSmallJob.Run(compute, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
                return;
            }
            switch (compute.Isa)
            {
                case Isa.Avx512: Run<GemmMicroKernel512>(compute, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc); break;
                case Isa.Avx2: Run<GemmMicroKernel256>(compute, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc); break;
                default: Run<GemmMicroKernelScalar>(compute, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc); break;
            }
        }
    }

    private static unsafe void Run<TKernel>(Compute compute, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) where TKernel : struct, IGemmMicroKernel
    {
        var job = new GemmJob<TKernel>
        {
            A = a, B = b, C = c, Lda = lda, Ldb = ldb, Ldc = ldc, M = m, N = n, K = k,
            TransA = transA, TransB = transB, Alpha = alpha, Beta = beta,
            // Each thread packs all of the operand that is not split, so split the one that makes the
            // duplicated packing smaller: with a batch of 128 rows that is the columns.
            SplitColumns = m <= n,
        };
        job.Run(compute, job.UsefulParts(compute.Threads));
    }

    private static void CheckMatrix(int length, int rows, int cols, int ld, string name, string ldName)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentOutOfRangeException(ldName, ld, $"the row stride of {name} must be at least its {cols} columns (and at least 1)");
        long needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException($"{name} holds {length} floats but a {rows} x {cols} matrix with row stride {ld} needs {needed}", name);
    }

    // C = beta * C: what remains of the product when k or alpha is 0.
    private static void Scale(int m, int n, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0) row.Clear();
            else if (beta != 1) TensorPrimitives.Multiply(row, beta, row);
        }
    }
}
