using MlNetVae.Engine.Randomness;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Randomness;

public class RngTests
{
    [Test]
    public void SameSeedGivesSameSequenceAndOtherSeedsDiffer()
    {
        float[] a = new float[1001], b = new float[1001], c = new float[1001];
        new Rng(42).FillNormal(a);
        new Rng(42).FillNormal(b);
        new Rng(43).FillNormal(c);
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a.Zip(c).Count(p => p.First == p.Second), Is.LessThan(5));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(255)]
    [TestCase(256)]
    [TestCase(257)]
    [TestCase(100_001)]
    public void NormalHasZeroMeanUnitVarianceAndFillsEveryLength(int n)
    {
        var x = new float[n + 1];
        x[n] = 12345f; // sentinel: nothing past the span is written
        new Rng(7).FillNormal(x.AsSpan(0, n));
        Assert.That(x[n], Is.EqualTo(12345f));
        Assert.That(x.Take(n).All(float.IsFinite), Is.True);
        if (n < 100_000) return;
        double mean = x.Take(n).Average(v => (double)v);
        double var = x.Take(n).Average(v => (v - mean) * (v - mean));
        double kurtosis = x.Take(n).Average(v => Math.Pow(v - mean, 4)) / (var * var);
        // Standard errors at n = 1e5: mean 0.003, variance 0.0045, kurtosis 0.015; 5 sigma bounds.
        Assert.That(mean, Is.EqualTo(0).Within(0.016));
        Assert.That(var, Is.EqualTo(1).Within(0.023));
        Assert.That(kurtosis, Is.EqualTo(3).Within(0.08));
    }

    [Test]
    public void NormalMatchesTheStandardNormalCdf()
    {
        var x = new float[200_000];
        new Rng(3).FillNormal(x, 2f, 0.5f);
        // Fraction below mean + k * std must match Phi(k).
        foreach (var (k, phi) in new[] { (-2.0, 0.0227501), (-1.0, 0.1586553), (0.0, 0.5), (1.0, 0.8413447), (2.0, 0.9772499) })
        {
            double frac = x.Count(v => v < 2 + k * 0.5) / (double)x.Length;
            Assert.That(frac, Is.EqualTo(phi).Within(0.005), $"P(z < {k})");
        }
    }

    [Test]
    public void UniformStaysInRangeWithTheRightMoments()
    {
        var x = new float[100_000];
        new Rng(5).FillUniform(x, -3f, 5f);
        Assert.That(x.Min(), Is.GreaterThanOrEqualTo(-3f));
        Assert.That(x.Max(), Is.LessThan(5f));
        Assert.That(x.Average(v => (double)v), Is.EqualTo(1).Within(0.05));
        Assert.That(x.Average(v => (v - 1.0) * (v - 1.0)), Is.EqualTo(64 / 12.0).Within(0.1));
    }

    [Test]
    public void NextIntIsUniformOverItsRange()
    {
        var rng = new Rng(9);
        var counts = new int[7];
        for (int i = 0; i < 70_000; i++) counts[rng.NextInt(7)]++;
        Assert.That(counts, Has.All.InRange(9_500, 10_500));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(0));
    }

    [Test]
    public void ShuffleIsAPermutation()
    {
        var values = Enumerable.Range(0, 1000).ToArray();
        new Rng(11).Shuffle(values);
        Assert.That(values.Order(), Is.EqualTo(Enumerable.Range(0, 1000)));
        Assert.That(values.Where((v, i) => v == i).Count(), Is.LessThan(10));
    }
}
