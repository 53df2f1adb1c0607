using MlNetVae.Engine.Randomness;
using MlNetVae.Onnx;
using MlNetVae.Onnx.Proto;
using MlNetVae.Pipeline;
using MlNetVae.Scoring;
using MlNetVae.Tests.Vae;
using MlNetVae.Vae;
using NUnit.Framework;

namespace MlNetVae.Tests.Scoring;

public class DefaultScoreTests
{
    [Test]
    public void DefaultOptionsAndScoreSeparateInjectedAnomaliesInATableOfVeryDifferentColumnScales()
    {
        // Columns scaled by 1, 10, 100 and 1000 and shifted: nothing works unless the model standardizes.
        var rows = TestData.GaussianRows(700, 8, 31);
        var train = rows[..500];
        var normal = rows[500..600];
        var anomalies = InjectAnomalies(rows[600..700], train, seed: 32);
        var (model, _) = VaeTrainer.Train(train, new VaeOptions());
        var scorer = AnomalyScorer.Fit(model, train);

        var scores = scorer.Score([.. normal, .. anomalies]);
        double auroc = Auroc.Compute(scores, [.. normal.Select(_ => false), .. anomalies.Select(_ => true)]);
        TestContext.Out.WriteLine($"default score {AnomalyScorer.DefaultScore}, AUROC {auroc:F4}");
        Assert.That(auroc, Is.GreaterThan(0.9));
    }

    [Test]
    public void ThePipelineScoresWithAnomalyScorersDefaultAndNamesItAsScorerOnnxDoes()
    {
        var rows = TestData.UnitRows(300, 10, 33);
        var fitted = new VaeEstimator(new VaeOptions { EncoderHidden = [12], LatentSize = 2, Epochs = 2 }) { Contamination = 0.05 }.Fit(VaeData.FromArrays(rows));
        var expected = AnomalyScorer.Fit(fitted.Model, rows).Score(rows);
        Assert.That(fitted.Score(VaeData.FromArrays(rows)), Is.EqualTo(expected), "VaeTransformer.Score, to the bit");
        Assert.That(fitted.Transform(VaeData.FromArrays(rows)).Select(r => r.Score), Is.EqualTo(expected), "VaeRow.Score");
        Assert.That(fitted.Threshold, Is.EqualTo(AnomalyThreshold.FromContamination(expected, 0.05)), "the threshold is on the default score");
        var scorer = ModelProto.Parser.ParseFrom(OnnxExport.Scorer(fitted.Model));
        Assert.That(scorer.MetadataProps.Single(p => p.Key == "score").Value, Is.EqualTo(VaeTransformer.ScoreName));
        Assert.That(VaeTransformer.ScoreName, Is.EqualTo("corrected_neg_elbo"));
        Assert.That(AnomalyScorer.DefaultScore, Is.EqualTo(AnomalyScore.CorrectedNegElbo));
    }

    /// <summary>
    /// Half the rows get every column from a different training row (each value plausible on its own, the
    /// combination not); the other half get one column moved by 4 training standard deviations.
    /// </summary>
    private static float[][] InjectAnomalies(float[][] rows, float[][] train, int seed)
    {
        var rng = new Rng((ulong)seed);
        int d = rows[0].Length;
        var result = new float[rows.Length][];
        for (int r = 0; r < rows.Length; r++)
        {
            var row = result[r] = rows[r].ToArray();
            if (r % 2 == 0)
            {
                for (int c = 0; c < d; c++) row[c] = train[rng.NextInt(train.Length)][c];
                continue;
            }
            int column = r / 2 % d;
            double mean = train.Average(t => (double)t[column]);
            double std = Math.Sqrt(train.Average(t => (t[column] - mean) * (t[column] - mean)));
            row[column] += (float)((rng.NextFloat() < 0.5f ? -4 : 4) * std);
        }
        return result;
    }
}
