using MlNetVae.Spec;
using NUnit.Framework;

namespace MlNetVae.Tests.Spec;

public class FeatureStatisticsTests
{
    [Test]
    public void AutoPicksBernoulliWhenEveryNumericValueIsInTheUnitInterval()
    {
        float[] rows = [0f, 1f, 0.25f, 0.5f, 1f, 0f, 0.75f, 0f, 1f];
        var stats = FeatureStatistics.Fit(rows, 3, new VaeOptions());
        Assert.That(stats.Layout.Blocks, Is.EqualTo(new[] { new FeatureBlock(FeatureKind.Bernoulli, 0, 3) }));
        Assert.That(stats.Mean, Has.All.EqualTo(0f), "Bernoulli features are fed as they are");
        Assert.That(stats.Scale, Has.All.EqualTo(1f));
    }

    [Test]
    public void AutoPicksGaussianForAllNumericFeaturesWhenOneValueLeavesTheUnitInterval()
    {
        float[] rows = [0f, 0.5f, 0.5f, 1f, 1f, 1.0001f];
        var stats = FeatureStatistics.Fit(rows, 2, new VaeOptions());
        Assert.That(stats.Layout.Blocks, Is.EqualTo(new[] { new FeatureBlock(FeatureKind.Gaussian, 0, 2) }));
    }

    [Test]
    public void OneHotGroupsDoNotDecideTheNumericLikelihoodAndStayUnstandardized()
    {
        // Features: 1 numeric in [0, 1], a 3-slot group, 2 numeric in [0, 1]. The group's 1s do not push Auto anywhere.
        float[] rows =
        [
            0.1f, 1, 0, 0, 0.2f, 0.9f,
            0.4f, 0, 0, 1, 0.7f, 0.3f,
            0.8f, 0, 1, 0, 0.5f, 0.6f,
        ];
        var options = new VaeOptions { CategoricalGroups = [(1, 3)] };
        var stats = FeatureStatistics.Fit(rows, 6, options);
        Assert.That(stats.Layout.Blocks, Is.EqualTo(new[]
        {
            new FeatureBlock(FeatureKind.Bernoulli, 0, 1), new FeatureBlock(FeatureKind.Categorical, 1, 3), new FeatureBlock(FeatureKind.Bernoulli, 4, 2),
        }));
        var gaussian = FeatureStatistics.Fit(rows, 6, options with { Likelihood = LikelihoodKind.Gaussian });
        Assert.That(gaussian.Layout.Kinds(), Is.EqualTo(new[] { FeatureKind.Gaussian, FeatureKind.Categorical, FeatureKind.Categorical, FeatureKind.Categorical, FeatureKind.Gaussian, FeatureKind.Gaussian }));
        Assert.That(gaussian.Mean[1..4], Has.All.EqualTo(0f), "one-hot slots are not standardized");
        Assert.That(gaussian.Scale[1..4], Has.All.EqualTo(1f));
    }

    [Test]
    public void GaussianStandardizationIsThePopulationMeanAndDeviationInDouble()
    {
        // Large offsets and small spreads: a float accumulator or the E[x^2] - E[x]^2 shortcut would lose the spread.
        int n = 1000, d = 3;
        var rng = new System.Random(5);
        var rows = new float[n * d];
        for (int r = 0; r < n; r++)
        {
            rows[r * d] = (float)(rng.NextDouble() * 2 - 1);
            rows[r * d + 1] = (float)(1e6 + rng.NextDouble());
            rows[r * d + 2] = (float)(-3e4 + 1e3 * rng.NextDouble());
        }
        var stats = FeatureStatistics.Fit(rows, d, new VaeOptions { Likelihood = LikelihoodKind.Gaussian });
        for (int c = 0; c < d; c++)
        {
            double mean = 0, sq = 0;
            for (int r = 0; r < n; r++) mean += rows[r * d + c];
            mean /= n;
            for (int r = 0; r < n; r++) sq += (rows[r * d + c] - mean) * (rows[r * d + c] - mean);
            double std = Math.Sqrt(sq / n);
            Assert.That(stats.Mean[c], Is.EqualTo((float)mean), $"mean of feature {c}");
            // The scale is the deviation about the float mean actually subtracted (at 1e6 the float rounds the mean by
            // up to 0.03): the standardized training column then has unit RMS exactly.
            double rms = 0;
            for (int r = 0; r < n; r++) rms += (rows[r * d + c] - (double)stats.Mean[c]) * (rows[r * d + c] - (double)stats.Mean[c]) / n;
            Assert.That(stats.Scale[c], Is.EqualTo(Math.Sqrt(rms)).Within(1e-6 * std), $"scale of feature {c}");
            Assert.That(stats.Scale[c], Is.EqualTo(std).Within(1e-3 * std), $"scale of feature {c} vs the exact deviation");
        }
    }

    [Test]
    public void AConstantColumnKeepsScaleOneSoItMapsToZero()
    {
        float[] rows = [5f, 1f, 5f, 2f, 5f, 3f, 1e30f, 4f, 1e30f, 5f];
        var stats = FeatureStatistics.Fit(rows, 2, new VaeOptions { Likelihood = LikelihoodKind.Gaussian });
        Assert.That(stats.Scale[0], Is.GreaterThan(1f), "not constant: 5 and 1e30");
        var constant = FeatureStatistics.Fit([7f, 1f, 7f, 2f, 7f, 3f], 2, new VaeOptions());
        Assert.That((constant.Mean[0], constant.Scale[0]), Is.EqualTo((7f, 1f)));
        var huge = FeatureStatistics.Fit([3e38f, 0f, 3e38f, 1f], 2, new VaeOptions());
        Assert.That((huge.Mean[0], huge.Scale[0]), Is.EqualTo((3e38f, 1f)), "constant and near float.MaxValue");
        var spread = FeatureStatistics.Fit([-3e38f, 0f, 3e38f, 1f], 2, new VaeOptions());
        Assert.That(float.IsFinite(spread.Scale[0]) && spread.Scale[0] > 0, Is.True, $"scale {spread.Scale[0]}: finite and positive");
    }

    [Test]
    public void ImagePixelScalesHaveAFloorAQuarterOfThePooledDeviationAndTablesDoNot()
    {
        // 2 x 2 images, 400 rows: pixel 0 is ink (1) in one row only, pixel 1 is 0 or 1 alternately, pixel 2 is
        // constant, pixel 3 is 0.5 +- 0.1 alternately.
        const int n = 400;
        var rows = new float[n * 4];
        for (int r = 0; r < n; r++) (rows[r * 4], rows[r * 4 + 1], rows[r * 4 + 2], rows[r * 4 + 3]) = (r == 7 ? 1f : 0f, r % 2, 0.3f, r % 2 == 0 ? 0.4f : 0.6f);
        double rare = Math.Sqrt(1.0 / n * (1 - 1.0 / n)), half = 0.5, tenth = 0.1;
        double floor = 0.25 * Math.Sqrt((rare * rare + half * half + 0 + tenth * tenth) / 4);
        var image = FeatureStatistics.Fit(rows, 4, new VaeOptions { ImageShape = [2, 2] });
        Assert.That(image.Layout.Kinds(), Has.All.EqualTo(FeatureKind.Gaussian), "images get the Gaussian likelihood");
        Assert.That(floor, Is.InRange(rare, tenth), "the floor (0.064) lies between the rare pixel's deviation (0.05) and the narrow one's (0.1)");
        Assert.That(image.Scale, Is.EqualTo(new[] { floor, half, 1, tenth }).Within(1e-6), "only the rare pixel is floored; the constant one keeps 1");
        Assert.That((1 - image.Mean[0]) / image.Scale[0], Is.LessThan(1 / floor), "the ink standardizes to a bounded value, not sqrt(rows)");

        var table = FeatureStatistics.Fit(rows, 4, new VaeOptions { Likelihood = LikelihoodKind.Gaussian });
        Assert.That(table.Scale, Is.EqualTo(new[] { rare, half, 1, tenth }).Within(1e-6), "tables: the plain deviation");
    }

    [Test]
    public void ValuesTheLikelihoodCannotTakeAreNamedByRowAndFeature()
    {
        float[] rows = [0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, -0.25f, 0.5f];
        Assert.That(() => FeatureStatistics.Fit(rows, 3, new VaeOptions { Likelihood = LikelihoodKind.Bernoulli }),
            Throws.ArgumentException.With.Message.StartsWith("row 2, feature 1: -0.25 is outside [0, 1]"));
        float[] oneHot = [0.1f, 1, 0, 0.2f, 0, 1, 0.3f, 0.5f, 0.5f];
        Assert.That(() => FeatureStatistics.Fit(oneHot, 3, new VaeOptions { CategoricalGroups = [(1, 2)] }),
            Throws.ArgumentException.With.Message.StartsWith("row 2, feature 1: 0.5 in a one-hot categorical slot"));
        Assert.That(() => FeatureStatistics.Fit(rows, 4, new VaeOptions()), Throws.ArgumentException.With.Message.Contain("not whole rows of 4"));
        Assert.That(() => FeatureStatistics.Fit([], 4, new VaeOptions()), Throws.ArgumentException);
        Assert.That(() => FeatureStatistics.Fit(rows, 0, new VaeOptions()), Throws.ArgumentException);
        Assert.That(() => FeatureStatistics.Fit(rows, 3, new VaeOptions { CategoricalGroups = [(2, 2)] }), Throws.ArgumentException.With.Message.Contain("does not fit the 3 features"));
    }
}
