using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MlNetVae.Engine.Kernels;

/// <summary>
/// Binary cross-entropy of logits against targets and its logit gradient in one pass over the data: for each element,
/// loss = (max(l, 0) - l t) + log1p(e^-|l|) and grad = sigmoid(l) - t, both from the one e^-|l|. Written out of
/// TensorPrimitives calls this was a dozen passes over the decoder's output (the largest activation of a dense VAE) and
/// 15% of a training step.
/// </summary>
/// <remarks>
/// Two vector paths, each checked against the scalar <see cref="Element"/> (a few ulps apart), which takes the elements
/// past the last whole vector:
/// <list type="bullet">
/// <item>With AVX-512, <see cref="Forward"/> computes e^-|l| and log1p itself in 16 lanes: e^-|l| = 2^k e^r with Cephes'
/// single-precision polynomial for e^r (|r| &lt;= ln 2 / 2), and log1p(e) = 2 atanh(z) with z = e / (2 + e) in [0, 1/3],
/// a series in z^2 that is accurate relative to log1p itself however small e is. .NET's Vector512.Exp and Log of
/// floats are about four times as slow (they work in double precision): 0.5 against 1.8-2.3 ns an element on one thread,
/// and 3.4-3.6 for the portable path below. A block with |l| &gt; 87, where e^-|l| leaves the normal floats, goes to
/// <see cref="Element"/>.</item>
/// <item>Elsewhere, <see cref="ForwardPortable"/>: Vector&lt;float&gt; with .NET's Exp and Log, log1p(e) with
/// Goldberg's correction: w = fl(1 + e) is exactly 1 + u for u = w - 1, and log(w) e / u cancels the rounding of w
/// (a bare log(1 + e) is 0 for e below 6e-8, and e^-|l| reaches that at |l| = 16.6).</item>
/// </list>
/// sigmoid(l) is 1 / w for l &gt;= 0 and e / w below (w = 1 + e); magnitudes under <see cref="Subnormals.Threshold"/> are
/// flushed to 0, so a saturated logit's gradient cannot make the GEMMs downstream slow on subnormals. Every element is
/// computed by the same path whatever the thread count: <see cref="Compute.ForRanges"/> starts ranges on multiples of
/// 16 elements.
/// </remarks>
internal static class LogisticLoss
{
    /// <summary>loss[i] and grad[i] of logits l[i] against targets t[i]; no span may overlap another.</summary>
    public static void Forward(ReadOnlySpan<float> l, ReadOnlySpan<float> t, Span<float> loss, Span<float> grad)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            ForwardPortable(l, t, loss, grad);
            return;
        }
        int i = 0, n = l.Length;
        ref float lr = ref MemoryMarshal.GetReference(l), tr = ref MemoryMarshal.GetReference(t);
        ref float yr = ref MemoryMarshal.GetReference(loss), gr = ref MemoryMarshal.GetReference(grad);
        var one = Vector512<float>.One;
        var tiny = Vector512.Create(Subnormals.Threshold);
        for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
        {
            nuint at = (nuint)i;
            var lv = Vector512.LoadUnsafe(ref lr, at);
            var tv = Vector512.LoadUnsafe(ref tr, at);
            var a = Vector512.Abs(lv);
            if (Vector512.GreaterThanAny(a, Vector512.Create(87f)))
            {
                for (int j = i; j < i + Vector512<float>.Count; j++) (loss[j], grad[j]) = Element(l[j], t[j]);
                continue;
            }
            // e = e^-a = 2^k e^r, k = round(-a / ln 2), r = -a - k ln 2 in two parts (exact k ln2_hi), Cephes' expf.
            var k = Vector512.Round(-a * Vector512.Create(1.44269504088896341f));
            var r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-0.693359375f), -a);
            r = Vector512.FusedMultiplyAdd(k, Vector512.Create(2.12194440e-4f), r);
            var p = Vector512.FusedMultiplyAdd(Vector512.Create(1.9875691500e-4f), r, Vector512.Create(1.3981999507e-3f));
            p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
            p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
            p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
            p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
            p = Vector512.FusedMultiplyAdd(p, r * r, r + one);
            var e = p * Vector512.ShiftLeft(Vector512.ConvertToInt32(k) + Vector512.Create(127), 23).AsSingle();
            // log1p(e) = 2 atanh(z) = 2 z (1 + z^2/3 + z^4/5 + ... + z^14/15); the next term is below 1e-9 at z = 1/3.
            var z = e / (Vector512.Create(2f) + e);
            var z2 = z * z;
            var s = Vector512.FusedMultiplyAdd(Vector512.Create(1f / 15), z2, Vector512.Create(1f / 13));
            s = Vector512.FusedMultiplyAdd(s, z2, Vector512.Create(1f / 11));
            s = Vector512.FusedMultiplyAdd(s, z2, Vector512.Create(1f / 9));
            s = Vector512.FusedMultiplyAdd(s, z2, Vector512.Create(1f / 7));
            s = Vector512.FusedMultiplyAdd(s, z2, Vector512.Create(1f / 5));
            s = Vector512.FusedMultiplyAdd(s, z2, Vector512.Create(1f / 3));
            var log1p = (z + z) * Vector512.FusedMultiplyAdd(s, z2, one);
            (Vector512.Max(lv, Vector512<float>.Zero) - lv * tv + log1p).StoreUnsafe(ref yr, at);
            var sigmoid = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(lv, Vector512<float>.Zero), one, e) / (one + e);
            sigmoid = Vector512.ConditionalSelect(Vector512.LessThan(sigmoid, tiny), Vector512<float>.Zero, sigmoid);
            (sigmoid - tv).StoreUnsafe(ref gr, at);
        }
        for (; i < n; i++) (loss[i], grad[i]) = Element(l[i], t[i]);
    }

    /// <summary><see cref="Forward"/> for machines without AVX-512 (Vector&lt;float&gt;, .NET's Exp and Log); the tests run it everywhere.</summary>
    internal static void ForwardPortable(ReadOnlySpan<float> l, ReadOnlySpan<float> t, Span<float> loss, Span<float> grad)
    {
        int i = 0, n = l.Length;
        if (Vector.IsHardwareAccelerated)
        {
            ref float lr = ref MemoryMarshal.GetReference(l), tr = ref MemoryMarshal.GetReference(t);
            ref float yr = ref MemoryMarshal.GetReference(loss), gr = ref MemoryMarshal.GetReference(grad);
            var one = Vector<float>.One;
            var tiny = new Vector<float>(Subnormals.Threshold);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                nuint at = (nuint)i;
                var lv = Vector.LoadUnsafe(ref lr, at);
                var tv = Vector.LoadUnsafe(ref tr, at);
                var e = Vector.Exp(-Vector.Abs(lv));
                var w = one + e;
                var u = w - one;
                var log1p = Vector.ConditionalSelect(Vector.Equals(u, Vector<float>.Zero), e, Vector.Log(w) * e / u);
                (Vector.Max(lv, Vector<float>.Zero) - lv * tv + log1p).StoreUnsafe(ref yr, at);
                var sigmoid = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(lv, Vector<float>.Zero), one, e) / w;
                sigmoid = Vector.ConditionalSelect(Vector.LessThan(sigmoid, tiny), Vector<float>.Zero, sigmoid);
                (sigmoid - tv).StoreUnsafe(ref gr, at);
            }
        }
        for (; i < n; i++) (loss[i], grad[i]) = Element(l[i], t[i]);
    }

    /// <summary>The naive reference: one element's loss and logit gradient, the same formulas in scalar code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (float Loss, float Grad) Element(float l, float t)
    {
        float e = MathF.Exp(-MathF.Abs(l)), w = 1f + e, u = w - 1f;
        float log1p = u == 0 ? e : MathF.Log(w) * e / u;
        float sigmoid = (l >= 0 ? 1f : e) / w;
        return (MathF.Max(l, 0f) - l * t + log1p, (sigmoid < Subnormals.Threshold ? 0f : sigmoid) - t);
    }
}
