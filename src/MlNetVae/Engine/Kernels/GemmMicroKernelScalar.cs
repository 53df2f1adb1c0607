namespace MlNetVae.Engine.Kernels;

/// <summary>
/// Portable micro-kernel, a 4 x 4 tile: 16 scalar accumulators fit the 16 xmm registers of any x64 CPU (and
/// the 32 of Arm64). Edge tiles are computed in full from the zero-padded panels and clipped on store.
/// </summary>
internal readonly unsafe struct GemmMicroKernelScalar : IGemmMicroKernel
{
    public static int MR => 4;
    public static int NR => 4;
    // Computes whole 4 x 4 tiles from zero-padded panels, so it always reads packed ones.
    public static bool ReadsInPlace => false;
    public static int Lanes => 4;

    public static void Run(int kc, float* a, nint aStep, float* b, float* c, int ldc, int rows, int cols, float alpha, float beta)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kc; p++, a += aStep, b += 4)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float x = a[0];
            c00 += x * b0; c01 += x * b1; c02 += x * b2; c03 += x * b3;
            x = a[1];
            c10 += x * b0; c11 += x * b1; c12 += x * b2; c13 += x * b3;
            x = a[2];
            c20 += x * b0; c21 += x * b1; c22 += x * b2; c23 += x * b3;
            x = a[3];
            c30 += x * b0; c31 += x * b1; c32 += x * b2; c33 += x * b3;
        }
        Store(c, c00, c01, c02, c03, cols, alpha, beta);
        if (rows > 1) Store(c + ldc, c10, c11, c12, c13, cols, alpha, beta);
        if (rows > 2) Store(c + 2 * ldc, c20, c21, c22, c23, cols, alpha, beta);
        if (rows > 3) Store(c + 3 * ldc, c30, c31, c32, c33, cols, alpha, beta);
    }

    private static void Store(float* c, float s0, float s1, float s2, float s3, int cols, float alpha, float beta)
    {
        Merge(c, s0, alpha, beta);
        if (cols > 1) Merge(c + 1, s1, alpha, beta);
        if (cols > 2) Merge(c + 2, s2, alpha, beta);
        if (cols > 3) Merge(c + 3, s3, alpha, beta);
    }

    private static void Merge(float* c, float sum, float alpha, float beta) =>
        *c = beta == 0 ? alpha * sum : alpha * sum + beta * *c;
}
