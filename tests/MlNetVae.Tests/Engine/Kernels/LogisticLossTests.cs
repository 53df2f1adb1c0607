using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Kernels;
using MlNetVae.Tests.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Kernels;

public class LogisticLossTests
{
    public delegate void Kernel(ReadOnlySpan<float> l, ReadOnlySpan<float> t, Span<float> loss, Span<float> grad);

    private static readonly object[] Paths =
    [
        new object[] { "Forward (AVX-512 where there is one)", (Kernel)LogisticLoss.Forward },
        new object[] { "ForwardPortable", (Kernel)LogisticLoss.ForwardPortable },
    ];

    [TestCaseSource(nameof(Paths))]
    public void VectorPathMatchesTheScalarReferenceAndDoublePrecision(string name, Kernel kernel)
    {
        // Logits across the range where log1p(e^-|l|) needs its correction (|l| > 16.6) and where e^-|l| underflows
        // (|l| > 87: the AVX-512 path hands those blocks to the scalar reference), then a dense sweep of the range a
        // decoder's logits live in, half of it against target 0, where the loss is log1p(e^-|l|) alone.
        int wide = 1003, n = wide + 50_000;
        var l = new float[n];
        var t = new float[n];
        GradCheck.Random(91, -120, 120, 1, wide).Span.CopyTo(l);
        GradCheck.Random(92, 0, 1, 1, wide).Span.CopyTo(t);
        GradCheck.Random(95, -60, 60, 1, n - wide).Span.CopyTo(l.AsSpan(wide));
        GradCheck.Random(96, 0, 1, 1, (n - wide) / 2).Span.CopyTo(t.AsSpan(wide));
        var loss = new float[n];
        var grad = new float[n];
        kernel(l, t, loss, grad);
        for (int i = 0; i < loss.Length; i++)
        {
            var (refLoss, refGrad) = LogisticLoss.Element(l[i], t[i]);
            Assert.That(loss[i], Is.EqualTo(refLoss).Within(4).Ulps.Or.EqualTo(refLoss).Within(1e-43f), $"{name}: loss at {i}, l = {l[i]}");
            // grad = sigmoid - t: a few ulps of the sigmoid (up to 6e-8 each below 1), which the difference keeps in
            // absolute terms when t is close to it.
            Assert.That(grad[i], Is.EqualTo(refGrad).Within(4).Ulps.Or.EqualTo(refGrad).Within(2.5e-7f), $"{name}: grad at {i}, l = {l[i]}");
            double lv = l[i], tv = t[i];
            double e = Math.Exp(-Math.Abs(lv));
            double exact = Math.Max(lv, 0) - lv * tv + Expect.Log1p(e);
            // Float rounds the product l t (half an ulp of it); everything else is accurate relative to the loss itself,
            // down to a loss that is only the tiny log1p term.
            Assert.That(loss[i], Is.EqualTo(exact).Within(1e-7 * Math.Abs(lv * tv) + 3e-6 * exact + 1e-43), $"{name}: loss at {i} vs double");
            double sigmoid = lv >= 0 ? 1 / (1 + e) : e / (1 + e);
            Assert.That(grad[i], Is.EqualTo(sigmoid - tv).Within(1e-6), $"{name}: grad at {i} vs double");
        }
    }

    [Test]
    public void SaturatedLogitsGiveNoSubnormalGradient()
    {
        var loss = new float[16];
        var grad = new float[16];
        foreach (float logit in new[] { -95f, -86f, -70f })
        {
            var l = Enumerable.Repeat(logit, 16).ToArray();
            LogisticLoss.Forward(l, new float[16], loss, grad);
            Assert.That(grad, Is.All.EqualTo(0f), $"sigmoid({logit}) is below the subnormal threshold and flushed");
            LogisticLoss.ForwardPortable(l, new float[16], loss, grad);
            Assert.That(grad, Is.All.EqualTo(0f), $"portable: sigmoid({logit}) is flushed");
        }
    }

    [Test]
    public void ThreadCountDoesNotChangeABit()
    {
        // Long enough for two ranges, with a ragged tail.
        int n = 2 * Compute.MinRangePerPart + 37;
        var l = GradCheck.Random(93, -30, 30, 1, n);
        var t = GradCheck.Random(94, 0, 1, 1, n);
        float[] Run(int threads)
        {
            var tape = new Tape(new Compute(threads));
            var logits = new Parameter("l", l.Clone());
            var y = tape.Sum(tape.BceWithLogits(logits, tape.Input(t)));
            tape.Backward(y);
            return [.. y.Value.Span.ToArray(), .. logits.Grad!.Span.ToArray()];
        }
        Assert.That(Run(2), Is.EqualTo(Run(1)));
    }
}
