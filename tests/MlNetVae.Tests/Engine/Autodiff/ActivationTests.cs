using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Kernels;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Autodiff;

public class ActivationTests
{
    // Values in [-3, -0.1] or [0.1, 3]: finite differences never straddle the kink at 0.
    private static Tensor AwayFromZero(int seed)
    {
        var t = GradCheck.Random(seed, 0.1f, 3, 3, 4);
        var s = t.Span;
        for (int i = 0; i < s.Length; i += 2) s[i] = -s[i];
        return t;
    }

    [Test]
    public void SigmoidGradient() => GradCheck.Check((t, p) => t.Sigmoid(p[0]), [GradCheck.Random(31, -4, 4, 3, 4)]);

    [Test]
    public void TanhGradient() => GradCheck.Check((t, p) => t.Tanh(p[0]), [GradCheck.Random(32, -2, 2, 3, 4)]);

    [Test]
    public void ReluGradient() => GradCheck.Check((t, p) => t.Relu(p[0]), [AwayFromZero(33)]);

    [Test]
    public void LeakyReluGradient() => GradCheck.Check((t, p) => t.LeakyRelu(p[0], 0.2f), [AwayFromZero(34)]);

    [Test]
    public void EluGradient() => GradCheck.Check((t, p) => t.Elu(p[0], 1.5f), [AwayFromZero(35)]);

    [Test]
    public void ForwardValues()
    {
        var tape = new Tape(new Compute(1));
        var x = GradCheck.Random(37, -6, 6, 3, 7);
        var nx = tape.Input(x);
        int[] shape = [3, 7];
        Expect.Values(tape.Sigmoid(nx).Value, shape, Expect.Map(x, v => 1 / (1 + Math.Exp(-v))));
        Expect.Values(tape.Tanh(nx).Value, shape, Expect.Map(x, Math.Tanh));
        Expect.Values(tape.Relu(nx).Value, shape, Expect.Map(x, v => Math.Max(v, 0)));
        Expect.Values(tape.LeakyRelu(nx, 0.2f).Value, shape, Expect.Map(x, v => v > 0 ? v : 0.2 * v));
        Expect.Values(tape.Elu(nx, 1.5f).Value, shape, Expect.Map(x, v => v > 0 ? v : 1.5 * (Math.Exp(v) - 1)));
    }

    [Test]
    public void SigmoidSaturatesWithoutNaN()
    {
        var x = Expect.Tensor([-1000f, -100f, 100f, 1000f], 4);
        var tape = new Tape(new Compute(1));
        Expect.Values(tape.Sigmoid(tape.Input(x)).Value, [4], [0, 0, 1, 1], rel: 0, abs: 1e-30);
    }

    // A ReLU folded into the layer before it gives exactly the values and gradients of a separate ReLU, on one thread and
    // on two (the outputs are large enough to be split). Weighted sums make every output's gradient different.
    [TestCase(false, 1)]
    [TestCase(false, 2)]
    [TestCase(true, 1)]
    [TestCase(true, 2)]
    public void ReluFoldedIntoALayerMatchesASeparateRelu(bool conv, int threads)
    {
        var g = ConvGeometry.Conv2d(4, 28, 28, 48, 4, 4, stride: 2, padding: 1); // 48 x 14 x 14 outputs per image
        int rows = conv ? 8 : 128;
        Tensor x = GradCheck.Random(35, -1, 1, rows, conv ? g.InFeatures : 64);
        Tensor w = conv ? GradCheck.Random(36, -0.3f, 0.3f, g.WeightShape) : GradCheck.Random(36, -0.3f, 0.3f, 600, 64);
        Tensor b = GradCheck.Random(37, -0.2f, 0.2f, conv ? 48 : 600);
        float[][] Run(bool folded)
        {
            var tape = new Tape(new Compute(threads));
            var p = new[] { new Parameter("x", x.Clone()), new Parameter("w", w.Clone()), new Parameter("b", b.Clone()) };
            var layer = conv ? tape.Conv2d(p[0], p[1], p[2], g) : tape.Linear(p[0], p[1], p[2]);
            var y = folded ? tape.ReluOfLayer(layer) : tape.Relu(layer);
            Assert.That(y == layer, Is.EqualTo(folded), "folded into the layer op");
            var weights = GradCheck.Random(38, -1, 1, y.Value.Shape.ToArray());
            tape.Backward(tape.Sum(tape.Mul(y, tape.Input(weights))));
            return [y.Value.Span.ToArray(), .. p.Select(q => q.Grad!.Span.ToArray())];
        }
        var separate = Run(folded: false);
        var fused = Run(folded: true);
        Assert.That(separate[0].Count(v => v == 0), Is.InRange(separate[0].Length / 5, separate[0].Length * 4 / 5), "the ReLU cuts a good share");
        for (int i = 0; i < separate.Length; i++) Assert.That(fused[i], Is.EqualTo(separate[i]), $"output {i}");
    }

    [Test]
    public void ReluOfAnythingButTheLastLayerOpIsSeparate()
    {
        var tape = new Tape(new Compute(1));
        var p = new Parameter("x", GradCheck.Random(39, -1, 1, 3, 4));
        var layer = tape.Linear(p, tape.Input(GradCheck.Random(40, -1, 1, 5, 4)), tape.Input(new Tensor(5)));
        tape.Exp(layer); // recorded after the layer: the layer's pre-activation values may still be read
        Assert.That(tape.ReluOfLayer(layer), Is.Not.SameAs(layer));
        Assert.That(tape.ReluOfLayer(p), Is.Not.SameAs(p));
    }
}
