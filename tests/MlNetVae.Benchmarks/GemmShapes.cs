using MlNetVae.Engine;
using MlNetVae.Engine.Kernels;

namespace MlNetVae.Benchmarks;

/// <summary>One GEMM problem: C (m x n) = op(A) (m x k) op(B) (k x n), row-major, no padding.</summary>
public sealed record GemmShape(string Name, bool TransA, bool TransB, int M, int N, int K)
{
    /// <summary>
    /// The reference VAE (784-400-20, batch 128, weights W[out, in]): forward Y = X W^T, backward dX = dY W and
    /// dW = dY^T X, for the 784-400 layer and the 400-784 one. These six decide training speed.
    /// </summary>
    public static readonly GemmShape[] Vae =
    [
        new("fwd 784->400", false, true, 128, 400, 784),
        new("fwd 400->784", false, true, 128, 784, 400),
        new("dX 784->400", false, false, 128, 784, 400),
        new("dX 400->784", false, false, 128, 400, 784),
        new("dW 784->400", true, false, 400, 784, 128),
        new("dW 400->784", true, false, 784, 400, 128),
    ];

    /// <summary>A large square product for scale.</summary>
    public static readonly GemmShape Square = new("square 1024", false, false, 1024, 1024, 1024);

    public static IEnumerable<GemmShape> All => [.. Vae, Square];

    public double Flops => 2.0 * M * N * K;

    // Short enough for BenchmarkDotNet's parameter column (it truncates past 20 characters).
    public override string ToString() => $"{(TransA ? 'T' : 'N')}{(TransB ? 'T' : 'N')} {M}x{N}x{K}";

    /// <summary>Random operands and a C buffer sized for this shape.</summary>
    public (float[] A, float[] B, float[] C) Allocate(int seed = 1)
    {
        var rng = new Random(seed);
        float[] Fill(int length) { var x = new float[length]; for (int i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() - 0.5); return x; }
        return (Fill(M * K), Fill(K * N), new float[M * N]);
    }

    public int Lda => TransA ? M : K;
    public int Ldb => TransB ? K : N;

    internal void RunOurs(Compute compute, float[] a, float[] b, float[] c) =>
        Gemm.Multiply(compute, TransA, TransB, M, N, K, 1f, a, Lda, b, Ldb, 0f, c, N);

    public void RunOpenBlas(float[] a, float[] b, float[] c) =>
        OpenBlas.Sgemm(TransA, TransB, M, N, K, 1f, a, Lda, b, Ldb, 0f, c, N);
}
