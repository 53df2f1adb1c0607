using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.ML;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>Where the PredictedLabel threshold lies: contamination on the training rows, a false-positive rate on held-out rows.</summary>
public class ThresholdTests
{
    private static readonly MLContext Ml = new(seed: 1);
    private static readonly float[][] Rows = SensorRows.Make(700, seed: 5).Select(r => new[] { r.A / 10, r.B / 3, r.C / 3, r.D / 100 - 1 }).ToArray();

    private static float[] Scores(VaeTransformer model, float[][] rows) =>
        model.Transform(SensorRows.Features(Ml, rows, 4)).GetColumn<float>("Score").ToArray();

    private static int Flagged(VaeTransformer model, float[][] rows) =>
        model.Transform(SensorRows.Features(Ml, rows, 4)).GetColumn<bool>("PredictedLabel").Count(f => f);

    [TestCase(0.1)]
    [TestCase(0.03)]
    public void ContaminationFlagsThatShareOfTheTrainingRows(double contamination)
    {
        var train = Rows[..500];
        var model = Estimators.For(SensorRows.Tiny with { Contamination = contamination }).Fit(SensorRows.Features(Ml, train, 4));
        Assert.That((model.Threshold.Method, model.Threshold.Fraction), Is.EqualTo((ThresholdMethod.Contamination, contamination)));
        Assert.That(Flagged(model, train), Is.EqualTo((int)Math.Floor(contamination * train.Length)));
        var scores = Scores(model, train);
        Assert.That(scores.Count(s => s > model.Threshold.Value), Is.EqualTo((int)Math.Floor(contamination * train.Length)));
    }

    [Test]
    public void AFalsePositiveRateIsCalibratedOnTheHeldOutValidationRows()
    {
        var train = Rows[..500];
        var model = Estimators.For(SensorRows.Tiny with { FalsePositiveRate = 0.1, ValidationFraction = 0.4f }).Fit(SensorRows.Features(Ml, train, 4));
        var held = model.Training!.ValidationRows!;
        Assert.That(held, Has.Count.EqualTo(200));
        var scores = Scores(model, train);
        var heldScores = held.Select(i => (double)scores[i]).ToArray();
        var trainedOn = Enumerable.Range(0, train.Length).Except(held).Select(i => (double)scores[i]).ToArray();
        Assert.That(model.Threshold.Method, Is.EqualTo(ThresholdMethod.FalsePositiveRate));
        Assert.That(model.Threshold.Value, Is.EqualTo(AnomalyThreshold.FromFalsePositiveRate(heldScores, 0.1).Value).Within(1e-6).Percent, "the held-out rows' quantile");
        Assert.That(model.Threshold.Value, Is.Not.EqualTo(AnomalyThreshold.FromFalsePositiveRate(trainedOn, 0.1).Value).Within(1e-6).Percent, "not the trained-on rows'");
        Assert.That(heldScores.Count(s => s > model.Threshold.Value), Is.EqualTo(20));
    }

    [Test]
    public void WithFalsePositiveRateFlagsThatShareOfTheNormalRowsGiven()
    {
        var model = Estimators.For(SensorRows.Tiny).Fit(SensorRows.Features(Ml, Rows[..400], 4));
        var normal = Rows[400..];
        var calibrated = model.WithFalsePositiveRate(SensorRows.Features(Ml, normal, 4), 0.02);
        Assert.That((calibrated.Threshold.Method, calibrated.Threshold.Fraction), Is.EqualTo((ThresholdMethod.FalsePositiveRate, 0.02)));
        Assert.That(Flagged(calibrated, normal), Is.EqualTo(6), "2% of 300");
        Assert.That(Scores(calibrated, normal), Is.EqualTo(Scores(model, normal)), "only the threshold changes");
        Assert.That(model.Threshold.Method, Is.EqualTo(ThresholdMethod.Contamination), "the original is unchanged");
    }
}
