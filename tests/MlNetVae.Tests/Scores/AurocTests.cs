using MlNetVae.Inference;
using NUnit.Framework;

namespace MlNetVae.Tests.Scores;

public class AurocTests
{
    [Test]
    public void PerfectInvertedAndConstantScores()
    {
        bool[] labels = [false, false, true, true, true];
        Assert.That(Roc.Auroc([0.1, 0.2, 0.3, 0.4, 0.5], labels), Is.EqualTo(1.0));
        Assert.That(Roc.Auroc([0.5, 0.4, 0.3, 0.2, 0.1], labels), Is.EqualTo(0.0));
        Assert.That(Roc.Auroc([7, 7, 7, 7, 7], labels), Is.EqualTo(0.5));
    }

    [Test]
    public void TiesBetweenClassesCountOneHalf()
    {
        // Anomalies {2, 3} vs normal {1, 2}: pairs (2>1) 1, (2=2) 0.5, (3>1) 1, (3>2) 1 -> 3.5 / 4.
        Assert.That(Roc.Auroc([1, 2, 2, 3], [false, true, false, true]), Is.EqualTo(0.875));
        // Anomalies {1, 5} vs normal {1, 1, 4}: (1=1) 0.5 twice, (1<4) 0, (5>all) 3 -> 4 / 6; order must not matter.
        Assert.That(Roc.Auroc([4, 1, 5, 1, 1], [false, false, true, true, false]), Is.EqualTo(4.0 / 6).Within(1e-15));
        Assert.That(Roc.Auroc([double.NegativeInfinity, double.PositiveInfinity], [false, true]), Is.EqualTo(1.0));
    }

    [Test]
    public void MatchesThePairCountOnRandomScoresWithManyTies()
    {
        var rng = new Random(3);
        var scores = Enumerable.Range(0, 500).Select(_ => (double)rng.Next(20)).ToArray();
        var labels = scores.Select(s => rng.NextDouble() < 0.2 + s / 40).ToArray();
        double pairs = 0, wins = 0;
        for (int i = 0; i < scores.Length; i++)
            for (int j = 0; j < scores.Length; j++)
                if (labels[i] && !labels[j])
                {
                    pairs++;
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }
        Assert.That(Roc.Auroc(scores, labels), Is.EqualTo(wins / pairs).Within(1e-12));
    }

    [Test]
    public void InvalidInputsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Roc.Auroc([1, 2], [true, true]));
        Assert.Throws<ArgumentException>(() => Roc.Auroc([1, 2], [false, false]));
        Assert.Throws<ArgumentException>(() => Roc.Auroc([1, 2], [false]));
        Assert.Throws<ArgumentException>(() => Roc.Auroc([1, double.NaN], [false, true]));
    }
}
