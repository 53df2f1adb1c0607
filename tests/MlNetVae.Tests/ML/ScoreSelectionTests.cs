using MlNetVae.ML;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>Selecting a threshold's order statistic in passes gives exactly what sorting every score gives.</summary>
public class ScoreSelectionTests
{
    /// <summary>Runs passes over <paramref name="scores"/> until the selection finishes; returns the value and the passes.</summary>
    private static (float Value, int Passes) Select(float[] scores, double fraction, int capacity)
    {
        var selection = new ScoreSelection(capacity);
        for (int pass = 1; ; pass++)
        {
            selection.StartPass();
            foreach (float s in scores) selection.Add(s);
            Assert.That(selection.Count, Is.EqualTo(scores.Length));
            if (selection.Finish(fraction, out float value)) return (value, pass);
        }
    }

    private static float Sorted(float[] scores, double fraction) =>
        (float)AnomalyThreshold.FromContamination(scores.Select(s => (double)s).ToArray(), fraction).Value;

    [TestCase(0.1)]
    [TestCase(0.01)]
    [TestCase(0.5)]
    [TestCase(0.0003)]
    public void OnePassWhenTheScoresFitAndTwoWhenTheyDoNotGiveTheSortedOrderStatistic(double fraction)
    {
        var rng = new System.Random(4);
        // Negative and positive scores over many magnitudes, and a run of exact ties.
        var scores = Enumerable.Range(0, 50_000).Select(i => i % 7 == 0 ? 3.25f : (float)((rng.NextDouble() - 0.3) * Math.Exp(8 * rng.NextDouble()))).ToArray();
        float expected = Sorted(scores, fraction);
        Assert.That(Select(scores, fraction, capacity: 50_000), Is.EqualTo((expected, 1)));
        Assert.That(Select(scores, fraction, capacity: 1000), Is.EqualTo((expected, 2)));
        Assert.That(Select(scores, fraction, capacity: 1), Is.EqualTo((expected, 2)), "a bin larger than the memory: its histogram pins the score");
    }

    [Test]
    public void TiesOneScoreAndBadInputs()
    {
        Assert.That(Select([2f, 2f, 2f, 2f], 0.3, 1), Is.EqualTo((2f, 2)));
        Assert.That(Select([-0.5f], 0.1, 10), Is.EqualTo((-0.5f, 1)));
        Assert.That(() => Select([], 0.1, 10), Throws.ArgumentException.With.Message.Contain("at least one score"));
        Assert.That(() => Select([1f, float.NaN], 0.1, 10), Throws.ArgumentException.With.Message.Contain("finite"));
    }
}
