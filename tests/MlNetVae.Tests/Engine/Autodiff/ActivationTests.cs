using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
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
}
