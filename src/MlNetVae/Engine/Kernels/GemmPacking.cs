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
        for (int l0 = 0; l0 < lanes; l0 += width, dst += width * kc)
        {
            int valid = Math.Min(width, lanes - l0);
            if (stepsContiguous) PackLaneRuns(src + (long)l0 * ld, ld, valid, kc, width, dst);
            else PackStepRuns(src + l0, ld, valid, kc, width, dst);
        }
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

    private static void Transpose8(float* src, int ld, int kc, int width, float* dst)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            float* s = src + p;
            var t0 = Avx.UnpackLow(Avx.LoadVector256(s), Avx.LoadVector256(s + ld));
            var t1 = Avx.UnpackHigh(Avx.LoadVector256(s), Avx.LoadVector256(s + ld));
            var t2 = Avx.UnpackLow(Avx.LoadVector256(s + 2 * ld), Avx.LoadVector256(s + 3 * ld));
            var t3 = Avx.UnpackHigh(Avx.LoadVector256(s + 2 * ld), Avx.LoadVector256(s + 3 * ld));
            var t4 = Avx.UnpackLow(Avx.LoadVector256(s + 4 * ld), Avx.LoadVector256(s + 5 * ld));
            var t5 = Avx.UnpackHigh(Avx.LoadVector256(s + 4 * ld), Avx.LoadVector256(s + 5 * ld));
            var t6 = Avx.UnpackLow(Avx.LoadVector256(s + 6 * ld), Avx.LoadVector256(s + 7 * ld));
            var t7 = Avx.UnpackHigh(Avx.LoadVector256(s + 6 * ld), Avx.LoadVector256(s + 7 * ld));
            // s_q holds step q (low half) and step q + 4 (high half) of 4 lanes.
            var s0 = Avx.Shuffle(t0, t2, 0x44);
            var s1 = Avx.Shuffle(t0, t2, 0xEE);
            var s2 = Avx.Shuffle(t1, t3, 0x44);
            var s3 = Avx.Shuffle(t1, t3, 0xEE);
            var s4 = Avx.Shuffle(t4, t6, 0x44);
            var s5 = Avx.Shuffle(t4, t6, 0xEE);
            var s6 = Avx.Shuffle(t5, t7, 0x44);
            var s7 = Avx.Shuffle(t5, t7, 0xEE);
            float* d = dst + p * width;
            Avx.Store(d, Avx.Permute2x128(s0, s4, 0x20));
            Avx.Store(d + width, Avx.Permute2x128(s1, s5, 0x20));
            Avx.Store(d + 2 * width, Avx.Permute2x128(s2, s6, 0x20));
            Avx.Store(d + 3 * width, Avx.Permute2x128(s3, s7, 0x20));
            Avx.Store(d + 4 * width, Avx.Permute2x128(s0, s4, 0x31));
            Avx.Store(d + 5 * width, Avx.Permute2x128(s1, s5, 0x31));
            Avx.Store(d + 6 * width, Avx.Permute2x128(s2, s6, 0x31));
            Avx.Store(d + 7 * width, Avx.Permute2x128(s3, s7, 0x31));
        }
        ScalarLanes(src, ld, 8, p, kc, width, dst);
    }

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

    // A plain copy of `valid` floats per step.
    private static void PackStepRuns(float* src, int ld, int valid, int kc, int width, float* dst)
    {
        for (int p = 0; p < kc; p++, src += ld, dst += width)
        {
            int j = 0;
            for (; j <= valid - Vector256<float>.Count; j += Vector256<float>.Count)
                Vector256.Store(Vector256.Load(src + j), dst + j);
            for (; j < valid; j++) dst[j] = src[j];
            for (; j < width; j++) dst[j] = 0;
        }
    }
}
