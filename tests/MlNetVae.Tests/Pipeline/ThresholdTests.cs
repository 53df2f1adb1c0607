using MlNetVae.Pipeline;
using MlNetVae.Tests.Vae;
using MlNetVae.Vae;
using NUnit.Framework;

namespace MlNetVae.Tests.Pipeline;

public class ThresholdTests
{
    [Test]
    public void ContaminationFlagsThatFractionOfTheCalibrationScores()
    {
        var scores = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();
        var t = AnomalyThreshold.FromContamination(scores, 0.05);
        Assert.That(scores.Count(t.IsAnomaly), Is.EqualTo(5));
        Assert.That(t.Value, Is.EqualTo(95));
        Assert.That(t.Method, Is.EqualTo(ThresholdMethod.Contamination));
        Assert.That(AnomalyThreshold.FromFalsePositiveRate(scores, 0.1).Value, Is.EqualTo(90));
    }

    [TestCase(0.0)]
    [TestCase(1.0)]
    [TestCase(-0.1)]
    [TestCase(double.NaN)]
    public void FractionsOutsideTheOpenUnitIntervalAreRejected(double fraction) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AnomalyThreshold.FromContamination([1, 2, 3], fraction));

    [Test]
    public void FittedContaminationThresholdFlagsAboutThatShareOfTrainingRows()
    {
        var data = VaeData.FromArrays(TestData.GaussianRows(200, 5, 3));
        var model = new VaeEstimator(new VaeOptions { EncoderHidden = [8], LatentSize = 2, Epochs = 2 }) { Contamination = 0.1 }.Fit(data);
        int flagged = model.Transform(data).Count(r => r.IsAnomaly == true);
        Assert.That(flagged, Is.InRange(18, 20), "ties can only lower the count");
        Assert.That(model.WithThreshold(null).Transform(data).Select(r => r.IsAnomaly), Is.All.Null);
    }
}
