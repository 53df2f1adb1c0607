using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Kernels;
using MlNetVae.Tests.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Kernels;

public class LogisticLossTests
{
    [Test]
    public void VectorPathMatchesTheScalarReferenceAndDoublePrecision()
    {
        // Logits across the range where log1p(e^-|l|) needs its correction (|l| > 16.6) and where e^-|l| underflows.
        var l = GradCheck.Random(91, -120, 120, 1, 1003);
        var t = GradCheck.Random(92, 0, 1, 1, 1003);
        var loss = new float[1003];
        var grad = new float[1003];
        LogisticLoss.Forward(l.Span, t.Span, loss, grad);
        for (int i = 0; i < loss.Length; i++)
        {
            var (refLoss, refGrad) = LogisticLoss.Element(l.Span[i], t.Span[i]);
            Assert.That(loss[i], Is.EqualTo(refLoss).Within(4).Ulps.Or.EqualTo(refLoss).Within(1e-43f), $"loss at {i}, l = {l.Span[i]}");
            Assert.That(grad[i], Is.EqualTo(refGrad).Within(4).Ulps.Or.EqualTo(refGrad).Within(1e-7f), $"grad at {i}, l = {l.Span[i]}");
            double lv = l.Span[i], tv = t.Span[i];
            double e = Math.Exp(-Math.Abs(lv));
            double exact = Math.Max(lv, 0) - lv * tv + Expect.Log1p(e);
            // Float rounds the product l t (half an ulp of it); everything else is accurate relative to the loss itself,
            // down to a loss that is only the tiny log1p term.
            Assert.That(loss[i], Is.EqualTo(exact).Within(1e-7 * Math.Abs(lv * tv) + 3e-6 * exact + 1e-43), $"loss at {i} vs double");
            double sigmoid = lv >= 0 ? 1 / (1 + e) : e / (1 + e);
            Assert.That(grad[i], Is.EqualTo(sigmoid - tv).Within(1e-6), $"grad at {i} vs double");
        }
    }

    [Test]
    public void SaturatedLogitsGiveNoSubnormalGradient()
    {
        var loss = new float[16];
        var grad = new float[16];
        var l = Enumerable.Repeat(-95f, 16).ToArray();
        LogisticLoss.Forward(l, new float[16], loss, grad);
        Assert.That(grad, Is.All.EqualTo(0f), "sigmoid(-95) = 5e-42 is subnormal and flushed");
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
