using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Autodiff;

public class LossTests
{

    [Test]
    public void BceWithLogitsGradientForLogitsAndTargets() =>
        GradCheck.Check((t, p) => t.BceWithLogits(p[0], p[1]), [GradCheck.Random(61, -4, 4, 3, 4), GradCheck.Random(62, 0, 1, 3, 4)]);

    [Test]
    public void BceWithLogitsGradientWithDataTargets()
    {
        var targets = GradCheck.Random(62, 0, 1, 3, 4);
        GradCheck.Check((t, p) => t.BceWithLogits(p[0], t.Input(targets)), [GradCheck.Random(61, -4, 4, 3, 4)]);
    }

    [Test]
    public void BceWithLogitsForwardValues()
    {
        var l = GradCheck.Random(63, -6, 6, 3, 5);
        var t = GradCheck.Random(64, 0, 1, 3, 5);
        var tape = new Tape(new Compute(1));
        Expect.Values(tape.BceWithLogits(tape.Input(l), tape.Input(t)).Value, [3, 5], Expect.Map(l, t, Bce));
    }

    [Test]
    public void BceWithLogitsIsExactAtExtremeLogits()
    {
        var l = Expect.Tensor([100f, 100f, -100f, -100f, 1000f, -1000f, 30f, -30f, 0f, 20f], 2, 5);
        var t = Expect.Tensor([1f, 0f, 1f, 0f, 0.5f, 0.25f, 1f, 1f, 1f, 0.75f], 2, 5);
        var tape = new Tape(new Compute(1));
        // abs: e^-100 is a float subnormal; everything else to float precision.
        Expect.Values(tape.BceWithLogits(tape.Input(l), tape.Input(t)).Value, [2, 5], Expect.Map(l, t, Bce), rel: 1e-6, abs: 1e-43);
    }

    [Test]
    public void KlToStandardNormalComposedFromPrimitives()
    {
        // KL(N(mu, e^lv) || N(0, 1)) = -0.5 sum(1 + lv - mu^2 - e^lv), per row: [rows, 1].
        static Node Kl(Tape t, Node mu, Node lv) =>
            t.Scale(t.Sum(t.Sub(t.Sub(t.AddScalar(lv, 1), t.Square(mu)), t.Exp(lv)), 1), -0.5f);

        Tensor mu = GradCheck.Random(76, -2, 2, 3, 4), lv = GradCheck.Random(77, -2, 2, 3, 4);
        GradCheck.Check((t, p) => Kl(t, p[0], p[1]), [mu, lv]);

        var tape = new Tape(new Compute(1));
        var expected = new double[3];
        for (int i = 0; i < 12; i++) expected[i / 4] += -0.5 * (1 + lv.Span[i] - mu.Span[i] * (double)mu.Span[i] - Math.Exp(lv.Span[i]));
        Expect.Values(Kl(tape, tape.Input(mu), tape.Input(lv)).Value, [3, 1], expected, rel: 1e-5, abs: 1e-5);
    }

    private static double Bce(double l, double t) => -t * LogSigmoid(l) - (1 - t) * LogSigmoid(-l);

    // log sigmoid(l) = -log(1 + e^-l), written so double neither overflows nor rounds away the tail.
    private static double LogSigmoid(double l) => l >= 0 ? -Expect.Log1p(Math.Exp(-l)) : l - Expect.Log1p(Math.Exp(l));


}
