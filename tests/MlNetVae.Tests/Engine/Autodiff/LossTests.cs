using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Autodiff;

public class LossTests
{
    private static readonly (int Start, int Length)[] Groups = [(0, 3), (3, 2), (6, 4)]; // column 5 is in no group

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

    [TestCase(false)]
    [TestCase(true)]
    public void GaussianNllGradientForAllInputs(bool perFeatureLogVar) =>
        GradCheck.Check((t, p) => t.GaussianNll(p[0], p[1], p[2]),
            [GradCheck.Random(65, -1, 1, 3, 4), GradCheck.Random(66, -1, 1, 3, 4), GradCheck.Random(67, -1, 1, perFeatureLogVar ? [4] : [3, 4])]);

    [Test]
    public void GaussianNllGradientWithDataX()
    {
        var x = GradCheck.Random(65, -1, 1, 3, 4);
        GradCheck.Check((t, p) => t.GaussianNll(t.Input(x), p[0], p[1]), [GradCheck.Random(66, -1, 1, 3, 4), GradCheck.Random(67, -1, 1, 4)]);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void GaussianNllForwardValues(bool perFeatureLogVar)
    {
        var x = GradCheck.Random(68, -3, 3, 3, 4);
        var mean = GradCheck.Random(69, -3, 3, 3, 4);
        var logVar = GradCheck.Random(70, -8, 8, perFeatureLogVar ? [4] : [3, 4]);
        var tape = new Tape(new Compute(1));
        var y = tape.GaussianNll(tape.Input(x), tape.Input(mean), tape.Input(logVar)).Value;
        var expected = new double[12];
        for (int i = 0; i < 12; i++)
        {
            double d = x.Span[i] - mean.Span[i], lv = logVar.Span[perFeatureLogVar ? i % 4 : i];
            expected[i] = 0.5 * (Math.Log(2 * Math.PI) + lv + d * d * Math.Exp(-lv));
        }
        Expect.Values(y, [3, 4], expected, rel: 1e-5, abs: 1e-5);
    }

    [Test]
    public void GaussianNllRejectsAMismatchedLogVariance()
    {
        var tape = new Tape(new Compute(1));
        var x = tape.Input(new Tensor(3, 4));
        var ex = Assert.Throws<ArgumentException>(() => tape.GaussianNll(x, x, tape.Input(new Tensor(3))))!;
        Assert.That(ex.Message, Does.Contain("logVar Tensor[3]").And.Contain("Tensor[3, 4]"));
        Assert.Throws<ArgumentException>(() => tape.GaussianNll(x, tape.Input(new Tensor(4, 3)), x));
    }

    [Test]
    public void CategoricalNllGradientForLogitsAndSoftTargets() =>
        GradCheck.Check((t, p) => t.CategoricalNll(p[0], p[1], Groups), [GradCheck.Random(71, -3, 3, 3, 10), GradCheck.Random(72, 0, 1, 3, 10)]);

    [Test]
    public void CategoricalNllGradientWithOneHotDataTargets()
    {
        var targets = OneHot(3);
        GradCheck.Check((t, p) => t.CategoricalNll(p[0], t.Input(targets), Groups), [GradCheck.Random(73, -3, 3, 3, 10)]);
    }

    [Test]
    public void CategoricalNllForwardValues()
    {
        var l = GradCheck.Random(74, -5, 5, 3, 10);
        var t = GradCheck.Random(75, 0, 1, 3, 10);
        var tape = new Tape(new Compute(1));
        Expect.Values(tape.CategoricalNll(tape.Input(l), tape.Input(t), Groups).Value, [3, 3], CategoricalReference(l, t));
    }

    [Test]
    public void CategoricalNllIsExactAtExtremeLogits()
    {
        var l = Expect.Tensor([100, -100, 0, -100, 100, 1000, 0, -1000, 1000, 999,
                               -100, -100, -100, 30, -30, 0, 0, 0, 0, 0], 2, 10);
        var t = OneHot(2);
        var tape = new Tape(new Compute(1));
        Expect.Values(tape.CategoricalNll(tape.Input(l), tape.Input(t), Groups).Value, [2, 3], CategoricalReference(l, t), rel: 1e-6, abs: 1e-6);
    }

    [Test]
    public void CategoricalNllRejectsBadGroups()
    {
        var tape = new Tape(new Compute(1));
        var x = tape.Input(new Tensor(2, 10));
        var ex = Assert.Throws<ArgumentException>(() => tape.CategoricalNll(x, x, [(8, 3)]))!;
        Assert.That(ex.Message, Does.Contain("start 8, length 3").And.Contain("10 columns"));
        Assert.Throws<ArgumentException>(() => tape.CategoricalNll(x, x, [(0, 0)]));
        Assert.Throws<ArgumentException>(() => tape.CategoricalNll(x, tape.Input(new Tensor(2, 9)), [(0, 2)]));
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

    private static Tensor OneHot(int rows)
    {
        var t = new Tensor(rows, 10);
        for (int r = 0; r < rows; r++)
            foreach (var (start, length) in Groups) t[r, start + (r + start) % length] = 1;
        return t;
    }

    private static double[] CategoricalReference(Tensor l, Tensor t)
    {
        var y = new double[l.Rows * Groups.Length];
        for (int r = 0; r < l.Rows; r++)
            for (int g = 0; g < Groups.Length; g++)
            {
                var (start, length) = Groups[g];
                double max = double.NegativeInfinity, sum = 0;
                for (int j = start; j < start + length; j++) max = Math.Max(max, l[r, j]);
                for (int j = start; j < start + length; j++) sum += Math.Exp(l[r, j] - max);
                for (int j = start; j < start + length; j++) y[r * Groups.Length + g] -= t[r, j] * (l[r, j] - max - Math.Log(sum));
            }
        return y;
    }
}
