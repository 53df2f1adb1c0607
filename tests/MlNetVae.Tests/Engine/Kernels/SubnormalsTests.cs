using MlNetVae.Engine.Kernels;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Kernels;

public class SubnormalsTests
{
    [Test]
    public void FlushesTinyMagnitudesAndKeepsEverythingElseAtEveryLength()
    {
        float[] pool = [0f, 1e-31f, -1e-31f, float.Epsilon, -float.Epsilon, 1e-38f, 1e-30f, -1e-30f, 2e-30f, 1f, -3.5f, float.NaN, float.PositiveInfinity];
        for (int n = 0; n <= 67; n++)
        {
            var x = Enumerable.Range(0, n).Select(i => pool[(i * 7) % pool.Length]).ToArray();
            var expected = x.Select(v => MathF.Abs(v) < Subnormals.Threshold ? 0f : v).ToArray();
            Subnormals.FlushToZero(x);
            Assert.That(x, Is.EqualTo(expected), $"length {n}");
        }
    }
}
