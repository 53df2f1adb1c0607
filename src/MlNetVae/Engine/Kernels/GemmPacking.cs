using System.Runtime.Intrinsics;

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

    // A transposing copy: reads each lane sequentially, writes it with a stride of `width` floats. The panel
    // (kc * width floats) stays in L1 while it fills.
    private static void PackLaneRuns(float* src, int ld, int valid, int kc, int width, float* dst)
    {
        for (int l = 0; l < valid; l++)
        {
            float* s = src + (long)l * ld;
            float* d = dst + l;
            for (int p = 0; p < kc; p++, d += width) *d = s[p];
        }
        if (valid < width)
            for (int p = 0; p < kc; p++)
                new Span<float>(dst + p * width + valid, width - valid).Clear();
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
