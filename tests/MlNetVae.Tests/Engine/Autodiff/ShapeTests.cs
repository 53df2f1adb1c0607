using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Autodiff;

public class ShapeTests
{
    [Test]
    public void ConcatOfTwoGradient() =>
        GradCheck.Check((t, p) => t.Concat(p[0], p[1]), [GradCheck.Random(51, -1, 1, 3, 2), GradCheck.Random(52, -1, 1, 3, 4)]);

    [Test]
    public void ConcatOfThreeGradient() =>
        GradCheck.Check((t, p) => t.Concat(p[0], p[1], p[2]),
            [GradCheck.Random(53, -1, 1, 3, 1), GradCheck.Random(54, -1, 1, 3, 3), GradCheck.Random(55, -1, 1, 3, 2)]);

    [Test]
    public void ConcatOfANodeWithItselfAccumulates() =>
        GradCheck.Check((t, p) => t.Concat(p[0], p[0]), [GradCheck.Random(56, -1, 1, 2, 3)]);

    [Test]
    public void SliceGradient() => GradCheck.Check((t, p) => t.Slice(p[0], 1, 3), [GradCheck.Random(57, -1, 1, 3, 5)]);

    [Test]
    public void SlicesThatOverlapAccumulate() =>
        GradCheck.Check((t, p) => t.Mul(t.Slice(p[0], 0, 3), t.Slice(p[0], 2, 3)), [GradCheck.Random(58, -1, 1, 3, 5)]);

    [Test]
    public void ForwardValues()
    {
        var tape = new Tape(new Compute(1));
        var a = Expect.Tensor([1, 2, 3, 4], 2, 2);
        var b = Expect.Tensor([5, 6], 2, 1);
        var c = Expect.Tensor([7, 8, 9, 10, 11, 12], 2, 3);
        Node na = tape.Input(a), nb = tape.Input(b), nc = tape.Input(c);
        Expect.Values(tape.Concat(na, nb, nc).Value, [2, 6], [1, 2, 5, 7, 8, 9, 3, 4, 6, 10, 11, 12]);
        Expect.Values(tape.Concat(nc).Value, [2, 3], [7, 8, 9, 10, 11, 12]);
        Expect.Values(tape.Slice(nc, 1, 2).Value, [2, 2], [8, 9, 11, 12]);
        Expect.Values(tape.Slice(nc, 3, 0).Value, [2, 0], []);
    }

    [Test]
    public void RejectsBadShapes()
    {
        var tape = new Tape(new Compute(1));
        var x = tape.Input(new Tensor(2, 3));
        var ex = Assert.Throws<ArgumentException>(() => tape.Concat(x, tape.Input(new Tensor(3, 3))))!;
        Assert.That(ex.Message, Does.Contain("parts[1] Tensor[3, 3]"));
        Assert.Throws<ArgumentException>(() => tape.Concat());
        Assert.Throws<ArgumentException>(() => tape.Concat(tape.Input(new Tensor(6))));
        Assert.Throws<ArgumentOutOfRangeException>(() => tape.Slice(x, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => tape.Slice(x, -1, 1));
    }
}
