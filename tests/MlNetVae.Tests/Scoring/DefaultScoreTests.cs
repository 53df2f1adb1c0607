using MlNetVae.Engine.Randomness;
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
