using MlNetVae.Spec;
using NUnit.Framework;

namespace MlNetVae.Tests.Spec;

/// <summary>Feature statistics fitted block by block agree with the fit over all rows at once, bad values included.</summary>
public class FeatureMomentsTests
{
    [Test]
    public void BlocksGiveTheStatisticsOfAllRowsEvenWithLargeOffsetsAndSmallSpreads()
    {
        // Block means far apart (a drift over the file) and offsets of 1e6 with unit spreads: merged blocks keep the spread.
        int n = 30_000, d = 3;
        var rng = new System.Random(9);
        var rows = new float[n * d];
        for (int r = 0; r < n; r++)
        {
            rows[r * d] = (float)(r / 1000.0 + rng.NextDouble());
            rows[r * d + 1] = (float)(1e6 + rng.NextDouble());
            rows[r * d + 2] = (float)(-3e4 + 1e3 * rng.NextDouble());
        }
        var options = new VaeOptions { Likelihood = LikelihoodKind.Gaussian };
        var moments = new FeatureMoments(d, options);
        for (int start = 0; start < n; start += 1237) moments.Add(rows.AsSpan(start * d, Math.Min(1237, n - start) * d));
        var blocks = moments.Fit();
        var whole = FeatureStatistics.Fit(rows, d, options);
        Assert.That(moments.Rows, Is.EqualTo(n));
        for (int c = 0; c < d; c++)
        {
            // The scale is the deviation from the mean the model stores (a float: 1e6 + 0.5 to within 0.03).
            var values = Enumerable.Range(0, n).Select(r => (double)rows[r * d + c]).ToArray();
            double std = Math.Sqrt(values.Average(v => (v - whole.Mean[c]) * (v - whole.Mean[c])));
            Assert.That(whole.Scale[c], Is.EqualTo(std).Within(1e-5).Percent, $"all rows at once, scale {c}");
            Assert.That(blocks.Mean[c], Is.EqualTo(whole.Mean[c]).Within(1e-6 * std), $"mean {c}");
            Assert.That(blocks.Scale[c], Is.EqualTo(whole.Scale[c]).Within(1e-5).Percent, $"scale {c}");
        }
    }

    [Test]
    public void TheFirstBadValueIsNamedByItsRowAcrossBlocks()
    {
        var rows = new float[40 * 3];
        rows[25 * 3 + 2] = 1.5f; // Bernoulli feature 2, row 25
        rows[31 * 3 + 2] = -1f;
        var bernoulli = new FeatureMoments(3, new VaeOptions { Likelihood = LikelihoodKind.Bernoulli });
        for (int start = 0; start < 40; start += 10) bernoulli.Add(rows.AsSpan(start * 3, 30));
        Assert.That(() => bernoulli.Fit(), Throws.ArgumentException.With.Message.StartsWith("row 25, feature 2: 1.5 is outside [0, 1]"));

        var oneHot = new float[40 * 3];
        for (int r = 0; r < 40; r++) oneHot[r * 3 + 1 + r % 2] = 1;
        oneHot[17 * 3 + 1] = 0.5f;
        var categorical = new FeatureMoments(3, new VaeOptions { CategoricalGroups = [(1, 2)] });
        for (int start = 0; start < 40; start += 8) categorical.Add(oneHot.AsSpan(start * 3, 24));
        Assert.That(() => categorical.Fit(), Throws.ArgumentException.With.Message.StartsWith("row 17, feature 1: 0.5 in a one-hot categorical slot"));
        Assert.That(() => new FeatureMoments(3, new VaeOptions()).Fit(), Throws.ArgumentException.With.Message.Contain("no rows"));
    }
}
