using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Autodiff;

public class UnaryTests
{
    [Test]
    public void ExpGradient() => GradCheck.Check((t, p) => t.Exp(p[0]), [GradCheck.Random(21, -1, 1, 3, 4)]);

    [Test]
    public void LogGradient() => GradCheck.Check((t, p) => t.Log(p[0]), [GradCheck.Random(22, 0.5f, 3, 3, 4)], eps: 1e-3);

    [Test]
    public void SquareGradient() => GradCheck.Check((t, p) => t.Square(p[0]), [GradCheck.Random(24, -2, 2, 3, 4)]);

    [Test]
    public void XLogXGradientForPositiveAndNegativeValues()
    {
        // Positive values at least 0.05 from 0 (log stays smooth over the step); negatives lie in the flat branch, 0.
        var x = Expect.Tensor([0.05f, 0.1f, 0.3f, 0.5f, 0.9f, 1f, 1.5f, 3f, -0.05f, -0.5f, -2f, -30f], 3, 4);
        GradCheck.Check((t, p) => t.XLogX(p[0]), [x], eps: 1e-3);
    }

    [Test]
    public void XLogXIsZeroWithZeroGradientAtAndBelowZeroAndExactNearIt()
    {
        var x = Expect.Tensor([0f, -0f, -1e-30f, -1f, float.NegativeInfinity, 1e-30f, 1e-20f, 1e-7f, 0.5f, 1f, 2f, 1e30f], 12);
        var p = new Parameter("x", x);
        var tape = new Tape(new Compute(1));
        var y = tape.XLogX(p);
        Expect.Values(y.Value, [12], Expect.Map(x, v => v > 0 ? v * Math.Log(v) : 0), rel: 1e-6, abs: 1e-35);
        tape.Backward(tape.Sum(y));
        var g = p.Grad!.Span.ToArray();
        Assert.That(g[..5], Has.All.EqualTo(0f), "0 log 0 = 0 is a constant branch: no gradient, never NaN or -inf");
        for (int i = 5; i < 12; i++)
            Assert.That(g[i], Is.EqualTo(Math.Log(x.Span[i]) + 1).Within(1e-5 * Math.Abs(Math.Log(x.Span[i]) + 1) + 1e-6), $"d/dx at {x.Span[i]}");
    }

    [Test]
    public void ClampGradientPassesInsideTheBoundsOnly()
    {
        // Every value at least 0.1 from the bounds -0.5 and 0.5, so finite differences never cross one.
        var x = Expect.Tensor([-1.2f, -0.7f, -0.4f, -0.1f, 0f, 0.2f, 0.35f, 0.6f, 0.9f, 3f, -0.6f, 0.1f], 3, 4);
        GradCheck.Check((t, p) => t.Clamp(p[0], -0.5f, 0.5f), [x]);
    }

    [Test]
    public void ForwardValues()
    {
        var tape = new Tape(new Compute(1));
        var x = GradCheck.Random(25, -3, 3, 2, 5);
        int[] shape = [2, 5];
        Expect.Values(tape.Exp(tape.Input(x)).Value, shape, Expect.Map(x, Math.Exp));
        Expect.Values(tape.Square(tape.Input(x)).Value, shape, Expect.Map(x, v => v * v));
        var positive = GradCheck.Random(26, 1e-6f, 1e6f, 2, 5);
        Expect.Values(tape.Log(tape.Input(positive)).Value, shape, Expect.Map(positive, Math.Log), rel: 1e-6, abs: 1e-6);
        Expect.Values(tape.Clamp(tape.Input(x), -1, 2).Value, shape, Expect.Map(x, v => Math.Clamp(v, -1, 2)));
    }

    [Test]
    public void ClampRejectsInvertedBounds()
    {
        var tape = new Tape(new Compute(1));
        Assert.Throws<ArgumentException>(() => tape.Clamp(tape.Input(new Tensor(2)), 1, -1));
    }
}
