using NUnit.Framework;

namespace MlNetVae.Tests.Scores;

/// <summary>
/// The explanation names what broke: on a table whose anomalies each break one known column (<see cref="BrokenColumns"/>),
/// the largest FeatureContributions entry of a flagged anomaly is that column, categorical columns included. The
/// benchmarks' <c>explain</c> mode runs the same on a larger table.
/// </summary>
public class ExplanationAcceptanceTests
{
    [Test]
    public void TheLargestContributionNamesTheBrokenColumnOfAtLeastNineInTenFlaggedAnomalies()
    {
        // 12 numeric columns on 3 factors: with fewer columns per factor a broken column drags the code along and the
        // error spreads (8 columns: 89% over 8 seeds in the benchmark; 10: 95%; 12 and 2 categorical: 99%).
        var data = new BrokenColumns(numeric: 12, categorical: 2, seed: 11);
        var confusion = data.Confusion(train: 3000, calibration: 1000, test: 2800, seed: 11, new VaeOptions { Threads = 1 });
        var (rate, flagged) = BrokenColumns.Named(confusion);
        TestContext.Out.WriteLine($"{flagged} of 280 anomalies flagged at 1% false positives; the largest contribution names the broken column in {rate:P1}\n{data.Describe(confusion)}");
        Assert.That(flagged, Is.GreaterThan(200), "most broken rows are flagged");
        Assert.That(rate, Is.GreaterThanOrEqualTo(0.9));
    }
}
