using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MlNetVae.Engine.Kernels;

/// <summary>
/// AVX2 + FMA micro-kernel, a 6 x 16 tile: 12 ymm accumulators, 2 for the B row and 1 for the broadcast A
/// value use 15 of the 16 registers (the classic Haswell-era shape: 12 FMAs per 2 loads and 6 broadcasts).
/// </summary>
[SkipLocalsInit]
internal readonly unsafe struct GemmMicroKernel256 : IGemmMicroKernel
{
    public static int MR => 6;
    public static int NR => 16;
    public static bool ReadsInPlace => true;
    public static int Lanes => 8;

    public static void Run(int kc, float* a, nint aStep, float* b, float* c, int ldc, int rows, int cols, float alpha, float beta)
    {
        if (cols > 8) Rows<Count2>(kc, a, aStep, b, c, ldc, rows, cols, alpha, beta);
        else Rows<Count1>(kc, a, aStep, b, c, ldc, rows, cols, alpha, beta);
    }

    // Short tiles (the last rows of C) get their own specialization instead of computing padding rows.
    private static void Rows<TV>(int kc, float* a, nint aStep, float* b, float* c, int ldc, int rows, int cols, float alpha, float beta)
        where TV : ICount
    {
        switch (rows)
        {
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
        Vector256<float> c0a = default, c0b = default, c1a = default, c1b = default, c2a = default, c2b = default,
            c3a = default, c3b = default, c4a = default, c4b = default, c5a = default, c5b = default;
        // C is written once per tile, after kc steps: ask for its lines now so the stores do not wait on them.
        for (int r = 0; r < TR.Value; r++)
        {
            Sse.Prefetch0(c + r * ldc);
            if (TV.Value > 1) Sse.Prefetch0(c + r * ldc + 8);
        }
        for (int p = 0; p < kc; p++, a += aStep, b += 16)
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
        if (cols == TV.Value * 8)
        {
            Merge(c, c0a, alpha, beta);
            if (TV.Value > 1) Merge(c + 8, c0b, alpha, beta);
            if (TR.Value > 1) { Merge(c + 1 * ldc, c1a, alpha, beta); if (TV.Value > 1) Merge(c + 1 * ldc + 8, c1b, alpha, beta); }
            if (TR.Value > 2) { Merge(c + 2 * ldc, c2a, alpha, beta); if (TV.Value > 1) Merge(c + 2 * ldc + 8, c2b, alpha, beta); }
            if (TR.Value > 3) { Merge(c + 3 * ldc, c3a, alpha, beta); if (TV.Value > 1) Merge(c + 3 * ldc + 8, c3b, alpha, beta); }
            if (TR.Value > 4) { Merge(c + 4 * ldc, c4a, alpha, beta); if (TV.Value > 1) Merge(c + 4 * ldc + 8, c4b, alpha, beta); }
            if (TR.Value > 5) { Merge(c + 5 * ldc, c5a, alpha, beta); if (TV.Value > 1) Merge(c + 5 * ldc + 8, c5b, alpha, beta); }
            return;
        }
        // The right edge of C: spill the tile and merge from memory. No call may come while the accumulators
        // are live, or the JIT keeps them on the stack in the loop (no vector register survives a call on
        // x64 Unix).
        Vector256<float>* t = stackalloc Vector256<float>[12];
        t[0] = c0a;
        if (TV.Value > 1) t[1] = c0b;
        if (TR.Value > 1) { t[2] = c1a; if (TV.Value > 1) t[3] = c1b; }
        if (TR.Value > 2) { t[4] = c2a; if (TV.Value > 1) t[5] = c2b; }
        if (TR.Value > 3) { t[6] = c3a; if (TV.Value > 1) t[7] = c3b; }
        if (TR.Value > 4) { t[8] = c4a; if (TV.Value > 1) t[9] = c4b; }
        if (TR.Value > 5) { t[10] = c5a; if (TV.Value > 1) t[11] = c5b; }
        MergePartial(t, c, ldc, TR.Value, cols, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Merge(float* c, Vector256<float> sum, float alpha, float beta)
    {
        sum *= alpha;
        if (beta != 0) sum = Vector256.FusedMultiplyAdd(Vector256.Load(c), Vector256.Create(beta), sum);
        sum.Store(c);
    }

    // The same arithmetic as Merge one element at a time, so a result never depends on where a tile ends.
    private static void MergePartial(Vector256<float>* t, float* c, int ldc, int rows, int cols, float alpha, float beta)
    {
        for (int r = 0; r < rows; r++, t += 2, c += ldc)
        {
            float* s = (float*)t;
            for (int j = 0; j < cols; j++)
                c[j] = beta == 0 ? s[j] * alpha : MathF.FusedMultiplyAdd(c[j], beta, s[j] * alpha);
        }
    }
}
