using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MlNetVae.Engine.Kernels;

/// <summary>
/// AVX2 + FMA micro-kernel, a 6 x 16 tile: 12 ymm accumulators, 2 for the B row and 1 for the broadcast A
/// value fill the 16 registers (the classic Haswell-era shape).
/// </summary>
internal readonly unsafe struct GemmMicroKernel256 : IGemmMicroKernel
{
    public static int MR => 6;
    public static int NR => 16;
    public static int Lanes => 8;

    public static void Run(int kc, float* a, float* b, float* c, int ldc, int rows, int cols, float alpha, float beta)
    {
        if (cols > 8) Rows<Count2>(kc, a, b, c, ldc, rows, cols, alpha, beta);
        else Rows<Count1>(kc, a, b, c, ldc, rows, cols, alpha, beta);
    }

    // Short tiles (the last rows of C) get their own specialization instead of computing padding rows.
    private static void Rows<TV>(int kc, float* a, float* b, float* c, int ldc, int rows, int cols, float alpha, float beta)
        where TV : ICount
    {
        switch (rows)
        {
            case 6: Tile<Count6, TV>(kc, a, b, c, ldc, cols, alpha, beta); break;
            case 5: Tile<Count5, TV>(kc, a, b, c, ldc, cols, alpha, beta); break;
            case 4: Tile<Count4, TV>(kc, a, b, c, ldc, cols, alpha, beta); break;
            case 3: Tile<Count3, TV>(kc, a, b, c, ldc, cols, alpha, beta); break;
            case 2: Tile<Count2, TV>(kc, a, b, c, ldc, cols, alpha, beta); break;
            default: Tile<Count1, TV>(kc, a, b, c, ldc, cols, alpha, beta); break;
        }
    }

    // TR rows x TV vectors of accumulators stay in registers for the whole k loop; C is touched once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TR, TV>(int kc, float* a, float* b, float* c, int ldc, int cols, float alpha, float beta)
        where TR : ICount where TV : ICount
    {
        Vector256<float> c0a = default, c0b = default, c1a = default, c1b = default, c2a = default, c2b = default,
            c3a = default, c3b = default, c4a = default, c4b = default, c5a = default, c5b = default;
        for (int p = 0; p < kc; p++, a += 6, b += 16)
        {
            var b0 = Vector256.Load(b);
            var b1 = TV.Value > 1 ? Vector256.Load(b + 8) : default;
            var x = Vector256.Create(a[0]);
            c0a = Vector256.FusedMultiplyAdd(x, b0, c0a);
            if (TV.Value > 1) c0b = Vector256.FusedMultiplyAdd(x, b1, c0b);
            if (TR.Value > 1)
            {
                x = Vector256.Create(a[1]);
                c1a = Vector256.FusedMultiplyAdd(x, b0, c1a);
                if (TV.Value > 1) c1b = Vector256.FusedMultiplyAdd(x, b1, c1b);
            }
            if (TR.Value > 2)
            {
                x = Vector256.Create(a[2]);
                c2a = Vector256.FusedMultiplyAdd(x, b0, c2a);
                if (TV.Value > 1) c2b = Vector256.FusedMultiplyAdd(x, b1, c2b);
            }
            if (TR.Value > 3)
            {
                x = Vector256.Create(a[3]);
                c3a = Vector256.FusedMultiplyAdd(x, b0, c3a);
                if (TV.Value > 1) c3b = Vector256.FusedMultiplyAdd(x, b1, c3b);
            }
            if (TR.Value > 4)
            {
                x = Vector256.Create(a[4]);
                c4a = Vector256.FusedMultiplyAdd(x, b0, c4a);
                if (TV.Value > 1) c4b = Vector256.FusedMultiplyAdd(x, b1, c4b);
            }
            if (TR.Value > 5)
            {
                x = Vector256.Create(a[5]);
                c5a = Vector256.FusedMultiplyAdd(x, b0, c5a);
                if (TV.Value > 1) c5b = Vector256.FusedMultiplyAdd(x, b1, c5b);
            }
        }
        Store<TV>(c, c0a, c0b, cols, alpha, beta);
        if (TR.Value > 1) Store<TV>(c + 1 * ldc, c1a, c1b, cols, alpha, beta);
        if (TR.Value > 2) Store<TV>(c + 2 * ldc, c2a, c2b, cols, alpha, beta);
        if (TR.Value > 3) Store<TV>(c + 3 * ldc, c3a, c3b, cols, alpha, beta);
        if (TR.Value > 4) Store<TV>(c + 4 * ldc, c4a, c4b, cols, alpha, beta);
        if (TR.Value > 5) Store<TV>(c + 5 * ldc, c5a, c5b, cols, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TV>(float* c, Vector256<float> lo, Vector256<float> hi, int cols, float alpha, float beta) where TV : ICount
    {
        if (cols != TV.Value * 8) { StorePartial(c, lo, hi, cols, alpha, beta); return; }
        Merge(c, lo, alpha, beta);
        if (TV.Value > 1) Merge(c + 8, hi, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Merge(float* c, Vector256<float> sum, float alpha, float beta)
    {
        sum *= alpha;
        if (beta != 0) sum = Vector256.FusedMultiplyAdd(Vector256.Load(c), Vector256.Create(beta), sum);
        sum.Store(c);
    }

    // The right edge of C: same arithmetic as Merge, one element at a time, so results do not depend on
    // where a tile boundary falls.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StorePartial(float* c, Vector256<float> lo, Vector256<float> hi, int cols, float alpha, float beta)
    {
        float* t = stackalloc float[16];
        lo.Store(t);
        hi.Store(t + 8);
        for (int j = 0; j < cols; j++)
            c[j] = beta == 0 ? t[j] * alpha : MathF.FusedMultiplyAdd(c[j], beta, t[j] * alpha);
    }
}
