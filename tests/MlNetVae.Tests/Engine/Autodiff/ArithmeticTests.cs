using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Autodiff;

public class ArithmeticTests
{
    private static Tensor A => GradCheck.Random(11, -1, 1, 4, 3);
    private static Tensor B => GradCheck.Random(12, 1, 2, 4, 3); // away from 0, for div

    [Test]
    public void SubGradient() => GradCheck.Check((t, p) => t.Sub(p[0], p[1]), [A, B]);

    [Test]
    public void MulGradient() => GradCheck.Check((t, p) => t.Mul(p[0], p[1]), [A, B]);

    [Test]
    public void DivGradient() => GradCheck.Check((t, p) => t.Div(p[0], p[1]), [A, B]);

    [Test]
    public void MulOfANodeWithItselfAccumulatesBothPaths() => GradCheck.Check((t, p) => t.Mul(p[0], p[0]), [A]);

    [Test]
    public void DivOfANodeByItselfHasZeroGradient() => GradCheck.Check((t, p) => t.Div(p[0], p[0]), [B]);

    [Test]
    public void AddBiasGradient() => GradCheck.Check((t, p) => t.AddBias(p[0], p[1]), [A, GradCheck.Random(13, -1, 1, 3)]);

    [Test]
    public void ScaleGradient() => GradCheck.Check((t, p) => t.Scale(p[0], -2.5f), [A]);

    [Test]
    public void AddScalarGradient() => GradCheck.Check((t, p) => t.AddScalar(p[0], 3f), [A]);

    [Test]
    public void ForwardValues()
    {
        var tape = new Tape(new Compute(1));
        Tensor a = A, b = B, bias = GradCheck.Random(13, -1, 1, 3);
        Node na = tape.Input(a), nb = tape.Input(b);
        int[] shape = [4, 3];
        Expect.Values(tape.Sub(na, nb).Value, shape, Expect.Map(a, b, (x, y) => x - y));
        Expect.Values(tape.Mul(na, nb).Value, shape, Expect.Map(a, b, (x, y) => x * y));
        Expect.Values(tape.Div(na, nb).Value, shape, Expect.Map(a, b, (x, y) => x / y));
        Expect.Values(tape.Scale(na, -2.5f).Value, shape, Expect.Map(a, x => -2.5 * x));
        Expect.Values(tape.AddScalar(na, 3f).Value, shape, Expect.Map(a, x => x + 3));
        var expected = new double[12];
        for (int i = 0; i < 12; i++) expected[i] = a.Span[i] + bias.Span[i % 3];
        Expect.Values(tape.AddBias(na, tape.Input(bias)).Value, shape, expected);
    }

    [Test]
    public void OnlyInputsThatRequireGradientsReceiveThem()
    {
        var tape = new Tape(new Compute(1));
        var w = new Parameter("w", A);
        var data = tape.Input(B);
        var product = tape.Mul(w, data);
        Assert.That(product.RequiresGrad, Is.True);
        tape.Backward(tape.Sum(product));
        Assert.That(w.Grad!.Span.ToArray(), Is.EqualTo(B.Span.ToArray()));
        Assert.That(data.Grad, Is.Null);
        Assert.That(tape.Sum(tape.Mul(data, data)).RequiresGrad, Is.False);
    }

    [Test]
    public void ShapeMismatchesNameTheShapes()
    {
        var tape = new Tape(new Compute(1));
        var x = tape.Input(new Tensor(4, 3));
        var ex = Assert.Throws<ArgumentException>(() => tape.Sub(x, tape.Input(new Tensor(3, 4))))!;
        Assert.That(ex.Message, Does.Contain("a Tensor[4, 3]").And.Contain("b Tensor[3, 4]"));
        ex = Assert.Throws<ArgumentException>(() => tape.AddBias(x, tape.Input(new Tensor(4))))!;
        Assert.That(ex.Message, Does.Contain("bias [cols] = [3]").And.Contain("Tensor[4]"));
        Assert.Throws<ArgumentException>(() => tape.AddBias(tape.Input(new Tensor(12)), tape.Input(new Tensor(3))));
    }
}
