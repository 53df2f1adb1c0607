using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MlNetVae.Engine.Kernels;

/// <summary>
/// AVX-512 micro-kernel, a 12 x 32 tile: 24 zmm accumulators, 2 for the B row and 1 for the broadcast A
/// value fit the 32 registers. Per k step it does 24 FMAs for 2 B loads and 12 broadcasts, enough work to keep
/// both FMA ports busy and hide the 4-cycle FMA latency (24 independent chains).
/// </summary>
internal readonly unsafe struct GemmMicroKernel512 : IGemmMicroKernel
{
    public static int MR => 12;
    public static int NR => 32;
    public static int Lanes => 16;

    public static void Run(int kc, float* a, float* b, float* c, int ldc, int rows, int cols, float alpha, float beta)
    {
        if (cols > 16) Rows<Count2>(kc, a, b, c, ldc, rows, cols, alpha, beta);
        else Rows<Count1>(kc, a, b, c, ldc, rows, cols, alpha, beta);
    }

    // Short tiles (the last rows of C) get their own specialization instead of computing padding rows.
    private static void Rows<TV>(int kc, float* a, float* b, float* c, int ldc, int rows, int cols, float alpha, float beta)
        where TV : ICount
    {
        switch (rows)
        {
            case 12: Tile<Count12, TV>(kc, a, b, c, ldc, cols, alpha, beta); break;
            case 11: Tile<Count11, TV>(kc, a, b, c, ldc, cols, alpha, beta); break;
            case 10: Tile<Count10, TV>(kc, a, b, c, ldc, cols, alpha, beta); break;
            case 9: Tile<Count9, TV>(kc, a, b, c, ldc, cols, alpha, beta); break;
            case 8: Tile<Count8, TV>(kc, a, b, c, ldc, cols, alpha, beta); break;
            case 7: Tile<Count7, TV>(kc, a, b, c, ldc, cols, alpha, beta); break;
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
        Vector512<float> c0a = default, c0b = default, c1a = default, c1b = default, c2a = default, c2b = default,
            c3a = default, c3b = default, c4a = default, c4b = default, c5a = default, c5b = default,
            c6a = default, c6b = default, c7a = default, c7b = default, c8a = default, c8b = default,
            c9a = default, c9b = default, c10a = default, c10b = default, c11a = default, c11b = default;
        for (int p = 0; p < kc; p++, a += 12, b += 32)
        {
            var b0 = Vector512.Load(b);
            var b1 = TV.Value > 1 ? Vector512.Load(b + 16) : default;
            var x = Vector512.Create(a[0]);
            c0a = Vector512.FusedMultiplyAdd(x, b0, c0a);
            if (TV.Value > 1) c0b = Vector512.FusedMultiplyAdd(x, b1, c0b);
            if (TR.Value > 1)
            {
                x = Vector512.Create(a[1]);
                c1a = Vector512.FusedMultiplyAdd(x, b0, c1a);
                if (TV.Value > 1) c1b = Vector512.FusedMultiplyAdd(x, b1, c1b);
            }
            if (TR.Value > 2)
            {
                x = Vector512.Create(a[2]);
                c2a = Vector512.FusedMultiplyAdd(x, b0, c2a);
                if (TV.Value > 1) c2b = Vector512.FusedMultiplyAdd(x, b1, c2b);
            }
            if (TR.Value > 3)
            {
                x = Vector512.Create(a[3]);
                c3a = Vector512.FusedMultiplyAdd(x, b0, c3a);
                if (TV.Value > 1) c3b = Vector512.FusedMultiplyAdd(x, b1, c3b);
            }
            if (TR.Value > 4)
            {
                x = Vector512.Create(a[4]);
                c4a = Vector512.FusedMultiplyAdd(x, b0, c4a);
                if (TV.Value > 1) c4b = Vector512.FusedMultiplyAdd(x, b1, c4b);
            }
            if (TR.Value > 5)
            {
                x = Vector512.Create(a[5]);
                c5a = Vector512.FusedMultiplyAdd(x, b0, c5a);
                if (TV.Value > 1) c5b = Vector512.FusedMultiplyAdd(x, b1, c5b);
            }
            if (TR.Value > 6)
            {
                x = Vector512.Create(a[6]);
                c6a = Vector512.FusedMultiplyAdd(x, b0, c6a);
                if (TV.Value > 1) c6b = Vector512.FusedMultiplyAdd(x, b1, c6b);
            }
            if (TR.Value > 7)
            {
                x = Vector512.Create(a[7]);
                c7a = Vector512.FusedMultiplyAdd(x, b0, c7a);
                if (TV.Value > 1) c7b = Vector512.FusedMultiplyAdd(x, b1, c7b);
            }
            if (TR.Value > 8)
            {
                x = Vector512.Create(a[8]);
                c8a = Vector512.FusedMultiplyAdd(x, b0, c8a);
                if (TV.Value > 1) c8b = Vector512.FusedMultiplyAdd(x, b1, c8b);
            }
            if (TR.Value > 9)
            {
                x = Vector512.Create(a[9]);
                c9a = Vector512.FusedMultiplyAdd(x, b0, c9a);
                if (TV.Value > 1) c9b = Vector512.FusedMultiplyAdd(x, b1, c9b);
            }
            if (TR.Value > 10)
            {
                x = Vector512.Create(a[10]);
                c10a = Vector512.FusedMultiplyAdd(x, b0, c10a);
                if (TV.Value > 1) c10b = Vector512.FusedMultiplyAdd(x, b1, c10b);
            }
            if (TR.Value > 11)
            {
                x = Vector512.Create(a[11]);
                c11a = Vector512.FusedMultiplyAdd(x, b0, c11a);
                if (TV.Value > 1) c11b = Vector512.FusedMultiplyAdd(x, b1, c11b);
            }
        }
        Store<TV>(c, c0a, c0b, cols, alpha, beta);
        if (TR.Value > 1) Store<TV>(c + 1 * ldc, c1a, c1b, cols, alpha, beta);
        if (TR.Value > 2) Store<TV>(c + 2 * ldc, c2a, c2b, cols, alpha, beta);
        if (TR.Value > 3) Store<TV>(c + 3 * ldc, c3a, c3b, cols, alpha, beta);
        if (TR.Value > 4) Store<TV>(c + 4 * ldc, c4a, c4b, cols, alpha, beta);
        if (TR.Value > 5) Store<TV>(c + 5 * ldc, c5a, c5b, cols, alpha, beta);
        if (TR.Value > 6) Store<TV>(c + 6 * ldc, c6a, c6b, cols, alpha, beta);
        if (TR.Value > 7) Store<TV>(c + 7 * ldc, c7a, c7b, cols, alpha, beta);
        if (TR.Value > 8) Store<TV>(c + 8 * ldc, c8a, c8b, cols, alpha, beta);
        if (TR.Value > 9) Store<TV>(c + 9 * ldc, c9a, c9b, cols, alpha, beta);
        if (TR.Value > 10) Store<TV>(c + 10 * ldc, c10a, c10b, cols, alpha, beta);
        if (TR.Value > 11) Store<TV>(c + 11 * ldc, c11a, c11b, cols, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TV>(float* c, Vector512<float> lo, Vector512<float> hi, int cols, float alpha, float beta) where TV : ICount
    {
        if (cols != TV.Value * 16) { StorePartial(c, lo, hi, cols, alpha, beta); return; }
        Merge(c, lo, alpha, beta);
        if (TV.Value > 1) Merge(c + 16, hi, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Merge(float* c, Vector512<float> sum, float alpha, float beta)
    {
        sum *= alpha;
        if (beta != 0) sum = Vector512.FusedMultiplyAdd(Vector512.Load(c), Vector512.Create(beta), sum);
        sum.Store(c);
    }

    // The right edge of C: same arithmetic as Merge, one element at a time, so results do not depend on
    // where a tile boundary falls.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StorePartial(float* c, Vector512<float> lo, Vector512<float> hi, int cols, float alpha, float beta)
    {
        float* t = stackalloc float[32];
        lo.Store(t);
        hi.Store(t + 16);
        for (int j = 0; j < cols; j++)
            c[j] = beta == 0 ? t[j] * alpha : MathF.FusedMultiplyAdd(c[j], beta, t[j] * alpha);
    }
}
