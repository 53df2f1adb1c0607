using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Autodiff;

public class MatMulGradTests
{
    [TestCase(false, false)]
    [TestCase(false, true)]
    [TestCase(true, false)]
    [TestCase(true, true)]
    public void MatMulGradientMatchesFiniteDifferences(bool ta, bool tb)
    {
        const int m = 3, k = 5, n = 4;
        var a = GradCheck.Random(1, -1, 1, ta ? [k, m] : [m, k]);
        var b = GradCheck.Random(2, -1, 1, tb ? [n, k] : [k, n]);
        GradCheck.Check((tape, p) => tape.MatMul(p[0], p[1], ta, tb), [a, b]);
    }

    [Test]
    public void AddGradientMatchesFiniteDifferences() =>
        GradCheck.Check((tape, p) => tape.Add(p[0], p[1]), [GradCheck.Random(3, -1, 1, 4, 3), GradCheck.Random(4, -1, 1, 4, 3)]);

    [Test]
    public void SelfProductAccumulatesBothPaths() =>
        GradCheck.Check((tape, p) => tape.MatMul(p[0], p[0], transposeB: true), [GradCheck.Random(5, -1, 1, 3, 4)]);

    [Test]
    public void LinearGradientMatchesFiniteDifferences() =>
        GradCheck.Check((tape, p) => tape.Linear(p[0], p[1], p[2]),
            [GradCheck.Random(6, -1, 1, 3, 5), GradCheck.Random(7, -1, 1, 4, 5), GradCheck.Random(8, -1, 1, 4)]);

    [Test]
    public void LinearEqualsMatMulThenAddBias()
    {
        // Wide enough for the packed GEMM path, not only the small-matrix one.
        Tensor x = GradCheck.Random(9, -1, 1, 40, 70), w = GradCheck.Random(10, -1, 1, 50, 70), b = GradCheck.Random(11, -1, 1, 50);
        var tape = new Tape(new Compute(1));
        var fused = tape.Linear(tape.Input(x), tape.Input(w), tape.Input(b)).Value;
        var expected = tape.AddBias(tape.MatMul(tape.Input(x), tape.Input(w), transposeB: true), tape.Input(b)).Value;
        Assert.That(fused.Span.ToArray(), Is.EqualTo(expected.Span.ToArray()).Within(1e-5f));
    }

    [Test]
    public void LinearRejectsMismatchedShapes()
    {
        var tape = new Tape(new Compute(1));
        var ex = Assert.Throws<ArgumentException>(() => tape.Linear(tape.Input(new Tensor(2, 3)), tape.Input(new Tensor(4, 5)), tape.Input(new Tensor(4))))!;
        Assert.That(ex.Message, Does.Contain("weight [out, 3]"));
        ex = Assert.Throws<ArgumentException>(() => tape.Linear(tape.Input(new Tensor(2, 3)), tape.Input(new Tensor(4, 3)), tape.Input(new Tensor(3))))!;
        Assert.That(ex.Message, Does.Contain("bias [4]"));
    }
}
