using MlNetVae.Scoring;
using NUnit.Framework;

namespace MlNetVae.Tests.Scoring;

public class AurocTests
{
    [Test]
    public void PerfectInvertedAndConstantScores()
    {
        bool[] labels = [false, false, true, true, true];
        Assert.That(Auroc.Compute([0.1, 0.2, 0.3, 0.4, 0.5], labels), Is.EqualTo(1.0));
        Assert.That(Auroc.Compute([0.5, 0.4, 0.3, 0.2, 0.1], labels), Is.EqualTo(0.0));
        Assert.That(Auroc.Compute([7, 7, 7, 7, 7], labels), Is.EqualTo(0.5));
    }

    [Test]
    public void TiesBetweenClassesCountOneHalf()
    {
        // Anomalies {2, 3} vs normal {1, 2}: pairs (2>1) 1, (2=2) 0.5, (3>1) 1, (3>2) 1 -> 3.5 / 4.
        Assert.That(Auroc.Compute([1, 2, 2, 3], [false, true, false, true]), Is.EqualTo(0.875));
        // Anomalies {1, 5} vs normal {1, 1, 4}: (1=1) 0.5 twice, (1<4) 0, (5>all) 3 -> 4 / 6; order must not matter.
        Assert.That(Auroc.Compute([4, 1, 5, 1, 1], [false, false, true, true, false]), Is.EqualTo(4.0 / 6).Within(1e-15));
    }

    [Test]
    public void InvalidInputsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Auroc.Compute([1, 2], [true, true]));
        Assert.Throws<ArgumentException>(() => Auroc.Compute([1, 2], [false]));
        Assert.Throws<ArgumentException>(() => Auroc.Compute([1, double.NaN], [false, true]));
    }
}
