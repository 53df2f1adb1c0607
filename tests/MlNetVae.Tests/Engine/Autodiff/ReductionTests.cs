using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Autodiff;

public class ReductionTests
{
    private static Tensor X => GradCheck.Random(41, -2, 2, 4, 5);

    [Test]
    public void SumGradient() => GradCheck.Check((t, p) => t.Sum(p[0]), [X]);

    [Test]
    public void MeanGradient() => GradCheck.Check((t, p) => t.Mean(p[0]), [X]);

    [TestCase(0)]
    [TestCase(1)]
    public void SumAlongAxisGradient(int axis) => GradCheck.Check((t, p) => t.Sum(p[0], axis), [X]);

    [TestCase(0)]
    [TestCase(1)]
    public void MeanAlongAxisGradient(int axis) => GradCheck.Check((t, p) => t.Mean(p[0], axis), [X]);

    [TestCase(0)]
    [TestCase(1)]
    public void LogSumExpGradient(int axis) => GradCheck.Check((t, p) => t.LogSumExp(p[0], axis), [X]);

    [Test]
    public void ForwardValuesAndShapes()
    {
        var x = X;
        var tape = new Tape(new Compute(1));
        var nx = tape.Input(x);
        double[] rows = new double[4], cols = new double[5], lseRows = new double[4], lseCols = new double[5];
        double total = 0;
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 5; c++)
            {
                double v = x[r, c];
                rows[r] += v;
                cols[c] += v;
                total += v;
                lseRows[r] += Math.Exp(v);
                lseCols[c] += Math.Exp(v);
            }
        Expect.Values(tape.Sum(nx).Value, [1], [total]);
        Expect.Values(tape.Mean(nx).Value, [1], [total / 20]);
        Expect.Values(tape.Sum(nx, 1).Value, [4, 1], rows);
        Expect.Values(tape.Sum(nx, 0).Value, [5], cols);
        Expect.Values(tape.Mean(nx, 1).Value, [4, 1], rows.Select(v => v / 5).ToArray());
        Expect.Values(tape.Mean(nx, 0).Value, [5], cols.Select(v => v / 4).ToArray());
        Expect.Values(tape.LogSumExp(nx, 1).Value, [4, 1], lseRows.Select(v => Math.Log(v)).ToArray());
        Expect.Values(tape.LogSumExp(nx, 0).Value, [5], lseCols.Select(v => Math.Log(v)).ToArray());
    }

    [Test]
    public void LogSumExpIsStableForLargeMagnitudes()
    {
        // Row 0: log(e^1000 + e^1000) = 1000 + log 2; row 1: all very negative; row 2: one term dominates.
        var x = Expect.Tensor([1000f, 1000f, -1000f, -1000f, -100f, 5f], 3, 2);
        var tape = new Tape(new Compute(1));
        var nx = tape.Input(x);
        Expect.Values(tape.LogSumExp(nx, 1).Value, [3, 1], [1000 + Math.Log(2), -1000 + Math.Log(2), 5 + Math.Exp(-105)]);
        Expect.Values(tape.LogSumExp(nx, 0).Value, [2], [1000, 1000]);
    }

    [Test]
    public void RejectsBadAxesAndShapes()
    {
        var tape = new Tape(new Compute(1));
        var x = tape.Input(new Tensor(2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => tape.Sum(x, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => tape.LogSumExp(x, -1));
        var ex = Assert.Throws<ArgumentException>(() => tape.Mean(tape.Input(new Tensor(6)), 0))!;
        Assert.That(ex.Message, Does.Contain("Tensor[6]"));
        Assert.Throws<ArgumentException>(() => tape.LogSumExp(tape.Input(new Tensor(0, 3)), 0));
    }
}
