using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MlNetVae.Engine.Kernels;

/// <summary>
/// Copies a block of op(A) or op(B) into the layout the micro-kernels read: panels of <c>width</c> lanes
/// (MR rows of op(A), or NR columns of op(B)), each panel holding kc steps of <c>width</c> consecutive floats,
/// lanes past the matrix edge zeroed. Transposes are resolved here, so one micro-kernel serves NN, NT, TN, TT.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs <paramref name="lanes"/> lanes by <paramref name="kc"/> steps starting at <paramref name="src"/>.
    /// When <paramref name="stepsContiguous"/> each lane is a run of kc floats and lanes are <paramref name="ld"/>
    /// apart (rows of a non-transposed A, columns of a transposed B); otherwise each step is a run of lanes and
    /// steps are ld apart (columns of a transposed A, rows of a non-transposed B).
    /// </summary>
    public static void Pack(float* src, int ld, bool stepsContiguous, int lanes, int kc, int width, float* dst)
    {
        if (!stepsContiguous)
        {
            PackSteps(src, ld, lanes, kc, width, dst);
            return;
        }
        for (int l0 = 0; l0 < lanes; l0 += width, dst += width * kc)
            PackLaneRuns(src + (long)l0 * ld, ld, Math.Min(width, lanes - l0), kc, width, dst);
    }

    // A transposing copy: blocks of 8 (or 4) lanes x 8 (or 4) steps are transposed in registers, so both the
    // reads (along each lane) and the writes (along each step of the panel) are whole vectors.
    private static void PackLaneRuns(float* src, int ld, int valid, int kc, int width, float* dst)
    {
        int l = 0;
        if (Avx.IsSupported)
            for (; l + 8 <= valid; l += 8) Transpose8(src + (long)l * ld, ld, kc, width, dst + l);
        if (Sse.IsSupported)
            for (; l + 4 <= valid; l += 4) Transpose4(src + (long)l * ld, ld, kc, width, dst + l);
        for (; l < valid; l++) ScalarLanes(src + (long)l * ld, ld, 1, 0, kc, width, dst + l);
        if (valid < width)
            for (int p = 0; p < kc; p++)
                new Span<float>(dst + p * width + valid, width - valid).Clear();
    }

    // Steps [from, kc) of `count` lanes one float at a time: the steps past the last whole block.
    private static void ScalarLanes(float* src, int ld, int count, int from, int kc, int width, float* dst)
    {
        for (int l = 0; l < count; l++)
            for (int p = from; p < kc; p++) dst[p * width + l] = src[(long)l * ld + p];
    }

    // Each ymm is built from two 4-float loads, lane l in the low half and lane l + 4 in the high half, so the
    // transpose needs only in-half shuffles: 16 on the shuffle port per 64 floats instead of 24.
    private static void Transpose8(float* src, int ld, int kc, int width, float* dst)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            float* s = src + p;
            float* d = dst + p * width;
            Transpose8x4(s, ld, width, d);
            Transpose8x4(s + 4, ld, width, d + 4 * width);
        }
        ScalarLanes(src, ld, 8, p, kc, width, dst);
    }

    // Steps 0..3 of 8 lanes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x4(float* s, int ld, int width, float* d)
    {
        var u0 = Halves(s, s + 4 * ld);
        var u1 = Halves(s + ld, s + 5 * ld);
        var u2 = Halves(s + 2 * ld, s + 6 * ld);
        var u3 = Halves(s + 3 * ld, s + 7 * ld);
        var t0 = Avx.UnpackLow(u0, u1);
        var t1 = Avx.UnpackHigh(u0, u1);
        var t2 = Avx.UnpackLow(u2, u3);
        var t3 = Avx.UnpackHigh(u2, u3);
        Avx.Store(d, Avx.Shuffle(t0, t2, 0x44));
        Avx.Store(d + width, Avx.Shuffle(t0, t2, 0xEE));
        Avx.Store(d + 2 * width, Avx.Shuffle(t1, t3, 0x44));
        Avx.Store(d + 3 * width, Avx.Shuffle(t1, t3, 0xEE));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Halves(float* low, float* high) =>
        Avx.InsertVector128(Sse.LoadVector128(low).ToVector256Unsafe(), Sse.LoadVector128(high), 1);

    private static void Transpose4(float* src, int ld, int kc, int width, float* dst)
    {
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            float* s = src + p;
            var t0 = Sse.UnpackLow(Sse.LoadVector128(s), Sse.LoadVector128(s + ld));
            var t1 = Sse.UnpackLow(Sse.LoadVector128(s + 2 * ld), Sse.LoadVector128(s + 3 * ld));
            var t2 = Sse.UnpackHigh(Sse.LoadVector128(s), Sse.LoadVector128(s + ld));
            var t3 = Sse.UnpackHigh(Sse.LoadVector128(s + 2 * ld), Sse.LoadVector128(s + 3 * ld));
            float* d = dst + p * width;
            Sse.Store(d, Sse.MoveLowToHigh(t0, t1));
            Sse.Store(d + width, Sse.MoveHighToLow(t1, t0));
            Sse.Store(d + 2 * width, Sse.MoveLowToHigh(t2, t3));
            Sse.Store(d + 3 * width, Sse.MoveHighToLow(t3, t2));
        }
        ScalarLanes(src, ld, 4, p, kc, width, dst);
    }

    // Step runs a step at a time: each step (a row of B, or of a transposed A) is read once, front to back, and
    // dealt out to all the panels, so the reads stream instead of striding down one panel at a time (which
    // measured 8% slower overall on the VAE's NN products).
    private static void PackSteps(float* src, int ld, int lanes, int kc, int width, float* dst)
    {
        int panelFloats = width * kc;
        for (int p = 0; p < kc; p++, src += ld)
        {
            float* d = dst + p * width;
            int l0 = 0;
            for (; l0 + width <= lanes; l0 += width, d += panelFloats) CopyStep(src + l0, width, width, d);
            if (l0 < lanes) CopyStep(src + l0, lanes - l0, width, d);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyStep(float* src, int valid, int width, float* dst)
    {
        int j = 0;
        for (; j <= valid - Vector256<float>.Count; j += Vector256<float>.Count)
            Vector256.Store(Vector256.Load(src + j), dst + j);
        if (j <= valid - Vector128<float>.Count)
        {
            Vector128.Store(Vector128.Load(src + j), dst + j);
            j += Vector128<float>.Count;
        }
        for (; j < valid; j++) dst[j] = src[j];
        for (; j < width; j++) dst[j] = 0;
    }
}
