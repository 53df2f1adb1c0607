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
}
