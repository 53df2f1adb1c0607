using System.Numerics;
using System.Runtime.InteropServices;

namespace MlNetVae.Engine.Kernels;

/// <summary>
/// Flushes values too small to matter to exactly zero before they turn subnormal. x86 has a flush-to-zero
/// mode, but .NET cannot set it; without it every arithmetic op on a subnormal float takes a microcode assist
/// (~100 cycles). Saturated sigmoids and softmaxes (a decoder sure that a border pixel is black) produce such
/// values in every backward pass, and the GEMMs downstream slowed with them.
/// </summary>
internal static class Subnormals
{
    /// <summary>Magnitudes below this become 0: far under any gradient that can move a float32 weight.</summary>
    public const float Threshold = 1e-30f;

    /// <summary>x[i] = |x[i]| &lt; <see cref="Threshold"/> ? 0 : x[i].</summary>
    public static void FlushToZero(Span<float> x)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var tiny = new Vector<float>(Threshold);
            ref float r = ref MemoryMarshal.GetReference(x);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = Vector.LoadUnsafe(ref r, (nuint)i);
                Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(v), tiny), Vector<float>.Zero, v).StoreUnsafe(ref r, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
            if (MathF.Abs(x[i]) < Threshold) x[i] = 0f;
    }
}
