using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MlNetVae.Engine.Kernels;

/// <summary>
/// AVX-512 micro-kernel, a 12 x 32 tile: 24 zmm accumulators, 2 for the B row and 1 for the broadcast A
/// value use 27 of the 32 registers. Per k step it does 24 FMAs for 2 B loads and 12 broadcasts, enough to keep
/// both FMA ports busy and hide the 4-cycle FMA latency (24 independent chains). 12 rather than 14 rows: the
/// extra rows add no throughput, and a batch of 128 rows is 10 full tiles and one of 8 instead of 9 and 2.
/// </summary>
[SkipLocalsInit]
internal readonly unsafe struct GemmMicroKernel512 : IGemmMicroKernel
{
    public static int MR => 12;
    public static int NR => 32;
    public static bool ReadsInPlace => true;
    public static int Lanes => 16;

    public static void Run(int kc, float* a, nint aStep, float* b, float* c, int ldc, int rows, int cols, float alpha, float beta)
    {
        if (cols > 16) Rows<Count2>(kc, a, aStep, b, c, ldc, rows, cols, alpha, beta);
        else Rows<Count1>(kc, a, aStep, b, c, ldc, rows, cols, alpha, beta);
    }

    // Short tiles (the last rows of C) get their own specialization instead of computing padding rows.
    private static void Rows<TV>(int kc, float* a, nint aStep, float* b, float* c, int ldc, int rows, int cols, float alpha, float beta)
        where TV : ICount
    {
        switch (rows)
        {
            case 12: Tile<Count12, TV>(kc, a, aStep, b, c, ldc, cols, alpha, beta); break;
            case 11: Tile<Count11, TV>(kc, a, aStep, b, c, ldc, cols, alpha, beta); break;
            case 10: Tile<Count10, TV>(kc, a, aStep, b, c, ldc, cols, alpha, beta); break;
            case 9: Tile<Count9, TV>(kc, a, aStep, b, c, ldc, cols, alpha, beta); break;
            case 8: Tile<Count8, TV>(kc, a, aStep, b, c, ldc, cols, alpha, beta); break;
            case 7: Tile<Count7, TV>(kc, a, aStep, b, c, ldc, cols, alpha, beta); break;
            case 6: Tile<Count6, TV>(kc, a, aStep, b, c, ldc, cols, alpha, beta); break;
            case 5: Tile<Count5, TV>(kc, a, aStep, b, c, ldc, cols, alpha, beta); break;
            case 4: Tile<Count4, TV>(kc, a, aStep, b, c, ldc, cols, alpha, beta); break;
            case 3: Tile<Count3, TV>(kc, a, aStep, b, c, ldc, cols, alpha, beta); break;
            case 2: Tile<Count2, TV>(kc, a, aStep, b, c, ldc, cols, alpha, beta); break;
            default: Tile<Count1, TV>(kc, a, aStep, b, c, ldc, cols, alpha, beta); break;
        }
    }

    // TR rows x TV vectors of accumulators stay in registers for the whole k loop; C is touched once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TR, TV>(int kc, float* a, nint aStep, float* b, float* c, int ldc, int cols, float alpha, float beta)
        where TR : ICount where TV : ICount
    {
        Vector512<float> c0a = default, c0b = default, c1a = default, c1b = default, c2a = default, c2b = default,
            c3a = default, c3b = default, c4a = default, c4b = default, c5a = default, c5b = default,
            c6a = default, c6b = default, c7a = default, c7b = default, c8a = default, c8b = default,
            c9a = default, c9b = default, c10a = default, c10b = default, c11a = default, c11b = default;
        // C is written once per tile, after kc steps: ask for its lines now so the stores do not wait on them.
        for (int r = 0; r < TR.Value; r++)
        {
            Sse.Prefetch0(c + r * ldc);
            if (TV.Value > 1) Sse.Prefetch0(c + r * ldc + 16);
        }
        for (int p = 0; p < kc; p++, a += aStep, b += 32)
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
        if (cols == TV.Value * 16)
        {
            Merge(c, c0a, alpha, beta);
            if (TV.Value > 1) Merge(c + 16, c0b, alpha, beta);
            if (TR.Value > 1) { Merge(c + 1 * ldc, c1a, alpha, beta); if (TV.Value > 1) Merge(c + 1 * ldc + 16, c1b, alpha, beta); }
            if (TR.Value > 2) { Merge(c + 2 * ldc, c2a, alpha, beta); if (TV.Value > 1) Merge(c + 2 * ldc + 16, c2b, alpha, beta); }
            if (TR.Value > 3) { Merge(c + 3 * ldc, c3a, alpha, beta); if (TV.Value > 1) Merge(c + 3 * ldc + 16, c3b, alpha, beta); }
            if (TR.Value > 4) { Merge(c + 4 * ldc, c4a, alpha, beta); if (TV.Value > 1) Merge(c + 4 * ldc + 16, c4b, alpha, beta); }
            if (TR.Value > 5) { Merge(c + 5 * ldc, c5a, alpha, beta); if (TV.Value > 1) Merge(c + 5 * ldc + 16, c5b, alpha, beta); }
            if (TR.Value > 6) { Merge(c + 6 * ldc, c6a, alpha, beta); if (TV.Value > 1) Merge(c + 6 * ldc + 16, c6b, alpha, beta); }
            if (TR.Value > 7) { Merge(c + 7 * ldc, c7a, alpha, beta); if (TV.Value > 1) Merge(c + 7 * ldc + 16, c7b, alpha, beta); }
            if (TR.Value > 8) { Merge(c + 8 * ldc, c8a, alpha, beta); if (TV.Value > 1) Merge(c + 8 * ldc + 16, c8b, alpha, beta); }
            if (TR.Value > 9) { Merge(c + 9 * ldc, c9a, alpha, beta); if (TV.Value > 1) Merge(c + 9 * ldc + 16, c9b, alpha, beta); }
            if (TR.Value > 10) { Merge(c + 10 * ldc, c10a, alpha, beta); if (TV.Value > 1) Merge(c + 10 * ldc + 16, c10b, alpha, beta); }
            if (TR.Value > 11) { Merge(c + 11 * ldc, c11a, alpha, beta); if (TV.Value > 1) Merge(c + 11 * ldc + 16, c11b, alpha, beta); }
            return;
        }
        // The right edge of C: spill the tile and merge from memory. No call may come while the accumulators
        // are live, or the JIT keeps them on the stack in the loop (no vector register survives a call on
        // x64 Unix).
        Vector512<float>* t = stackalloc Vector512<float>[24];
        t[0] = c0a;
        if (TV.Value > 1) t[1] = c0b;
        if (TR.Value > 1) { t[2] = c1a; if (TV.Value > 1) t[3] = c1b; }
        if (TR.Value > 2) { t[4] = c2a; if (TV.Value > 1) t[5] = c2b; }
        if (TR.Value > 3) { t[6] = c3a; if (TV.Value > 1) t[7] = c3b; }
        if (TR.Value > 4) { t[8] = c4a; if (TV.Value > 1) t[9] = c4b; }
        if (TR.Value > 5) { t[10] = c5a; if (TV.Value > 1) t[11] = c5b; }
        if (TR.Value > 6) { t[12] = c6a; if (TV.Value > 1) t[13] = c6b; }
        if (TR.Value > 7) { t[14] = c7a; if (TV.Value > 1) t[15] = c7b; }
        if (TR.Value > 8) { t[16] = c8a; if (TV.Value > 1) t[17] = c8b; }
        if (TR.Value > 9) { t[18] = c9a; if (TV.Value > 1) t[19] = c9b; }
        if (TR.Value > 10) { t[20] = c10a; if (TV.Value > 1) t[21] = c10b; }
        if (TR.Value > 11) { t[22] = c11a; if (TV.Value > 1) t[23] = c11b; }
        MergePartial(t, c, ldc, TR.Value, cols, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Merge(float* c, Vector512<float> sum, float alpha, float beta)
    {
        sum *= alpha;
        if (beta != 0) sum = Vector512.FusedMultiplyAdd(Vector512.Load(c), Vector512.Create(beta), sum);
        sum.Store(c);
    }

    // The same arithmetic as Merge one element at a time, so a result never depends on where a tile ends.
    private static void MergePartial(Vector512<float>* t, float* c, int ldc, int rows, int cols, float alpha, float beta)
    {
        for (int r = 0; r < rows; r++, t += 2, c += ldc)
        {
            float* s = (float*)t;
            for (int j = 0; j < cols; j++)
                c[j] = beta == 0 ? s[j] * alpha : MathF.FusedMultiplyAdd(c[j], beta, s[j] * alpha);
        }
    }
}
