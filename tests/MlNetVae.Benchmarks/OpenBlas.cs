using System.Runtime.InteropServices;

namespace MlNetVae.Benchmarks;

/// <summary>The two OpenBLAS entry points the GEMM comparison needs (Debian's libopenblas0).</summary>
internal static unsafe partial class OpenBlas
{
    private const string Library = "libopenblas.so.0";
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    [LibraryImport(Library, EntryPoint = "openblas_set_num_threads")]
    public static partial void SetThreads(int threads);

    /// <summary>The same contract as <c>Gemm.Multiply</c>: row-major C = alpha op(A) op(B) + beta C.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        fixed (float* pa = a, pb = b, pc = c)
            cblas_sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    [LibraryImport(Library)]
    private static partial void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);
}
