using MlNetVae.Engine.Optim;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Optim;

/// <summary>
/// Adam's fused update with AVX-512 (where the machine has it) against the portable Vector&lt;float&gt; path the
/// PyTorch comparison was written for: the same operations in the same order, so the same bits.
/// </summary>
public class AdamUpdateTests
{
    [TestCase(false, 0f, 1f)]
    [TestCase(true, 0f, 1f)]
    [TestCase(true, 0.01f, 1f)]
    [TestCase(false, 0f, 0.9995f)]
    public void TheWidePathGivesThePortablePathsBits(bool clear, float l2, float decay)
    {
        // 16 lanes and 8 both leave a ragged tail; tiny gradients and moments exercise the flush to 0.
        const int n = 1013;
        var rng = new Random(7);
        float[] Values(float scale) => Enumerable.Range(0, n).Select(i =>
            i % 17 == 0 ? 1e-32f : (float)((rng.NextDouble() - 0.5) * scale)).ToArray();
        float[] p = Values(2), g = Values(0.1f), m = Values(0.01f), v = Values(1e-4f).Select(MathF.Abs).ToArray();
        var (p2, g2, m2, v2) = ((float[])p.Clone(), (float[])g.Clone(), (float[])m.Clone(), (float[])v.Clone());
        var before = (float[])p.Clone();

        Adam.Update(p, g, m, v, 0.9f, 0.999f, 1e-8f, l2, decay, 1.3e-3f, 1.02f, clear);
        Adam.UpdatePortable(p2, g2, m2, v2, 0.9f, 0.999f, 1e-8f, l2, decay, 1.3e-3f, 1.02f, clear);

        Assert.That(p, Is.EqualTo(p2), "weights");
        Assert.That(g, Is.EqualTo(g2), "gradients");
        Assert.That(m, Is.EqualTo(m2), "first moments");
        Assert.That(v, Is.EqualTo(v2), "second moments");
        Assert.That(p.Zip(before).Count(x => x.First != x.Second), Is.GreaterThan(n / 2), "the update moved the weights");
    }
}
