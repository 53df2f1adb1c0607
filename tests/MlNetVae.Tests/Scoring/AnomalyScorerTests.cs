using MlNetVae.Scoring;
using MlNetVae.Tests.Vae;
using MlNetVae.Vae;
using NUnit.Framework;

namespace MlNetVae.Tests.Scoring;

public class AnomalyScorerTests
{
    private static readonly AnomalyScore[] Deterministic = Enum.GetValues<AnomalyScore>().Where(s => s is not (AnomalyScore.NegElbo or AnomalyScore.IwaeNll)).ToArray();

    private static (AnomalyScorer Scorer, float[][] Train, float[][] Test) Fitted(LikelihoodKind likelihood)
    {
        var rows = likelihood == LikelihoodKind.Bernoulli ? TestData.UnitRows(360, 12, 21) : TestData.GaussianRows(360, 6, 22);
        var options = new VaeOptions { Likelihood = likelihood, EncoderHidden = [24], LatentSize = 3, BatchSize = 32, Epochs = 5, LearningRate = 3e-3f };
        var train = rows[..300];
        var (model, _) = VaeTrainer.Train(train, options);
        return (AnomalyScorer.Fit(model, train), train, rows[300..]);
    }

    [Test]
    public void BernoulliScoresMatchTheirFormulas()
    {
        var (scorer, train, test) = Fitted(LikelihoodKind.Bernoulli);
        var model = scorer.Model;
        var (mean, logVar) = model.Encode(test);
        var p = model.Decode(mean);
        var scores = scorer.Score(test, Deterministic);
        for (int r = 0; r < test.Length; r++)
        {
            double divergence = 0, squared = 0;
            for (int j = 0; j < test[r].Length; j++)
            {
                double x = test[r][j], q = p[r][j];
                divergence += x * Math.Log(x / q) + (1 - x) * Math.Log((1 - x) / (1 - q));
                squared += (x - q) * (x - q);
            }
            double kl = Kl(mean[r], logVar[r]);
            Assert.That(scores[AnomalyScore.ReconstructionDivergence][r], Is.EqualTo(divergence).Within(1e-4 * divergence + 1e-5), $"row {r}");
            Assert.That(scores[AnomalyScore.ReconstructionError][r], Is.EqualTo(squared).Within(1e-4 * squared + 1e-6), $"row {r}");
            Assert.That(scores[AnomalyScore.CorrectedNegElbo][r], Is.EqualTo(divergence + kl).Within(1e-4 * (divergence + kl)), $"row {r}");
        }
        AssertLatentScores(scorer, train, test, scores);
    }

    [Test]
    public void GaussianScoresMatchTheirFormulasInStandardizedUnits()
    {
        var (scorer, train, test) = Fitted(LikelihoodKind.Gaussian);
        var model = scorer.Model;
        var scale = model.Preprocessor.Scale;
        var logVar = model.GaussianLogVar[0]!.Value.Span.ToArray();
        var reconstruction = model.Reconstruct(test);
        var scores = scorer.Score(test, Deterministic);
        for (int r = 0; r < test.Length; r++)
        {
            double divergence = 0, squared = 0;
            for (int j = 0; j < test[r].Length; j++)
            {
                double e = (test[r][j] - (double)reconstruction[r][j]) / scale[j];
                divergence += 0.5 * e * e * Math.Exp(-logVar[j]);
                squared += e * e;
            }
            Assert.That(scores[AnomalyScore.ReconstructionDivergence][r], Is.EqualTo(divergence).Within(1e-3 * divergence + 1e-5), $"row {r}");
            Assert.That(scores[AnomalyScore.ReconstructionError][r], Is.EqualTo(squared).Within(1e-3 * squared + 1e-5), $"row {r}");
        }
        AssertLatentScores(scorer, train, test, scores);
    }

    [Test]
    public void SampledScoresAreTheModelsEstimates()
    {
        var (scorer, _, test) = Fitted(LikelihoodKind.Bernoulli);
        var expected = scorer.Model.Score(test, new ScoreOptions(Samples: AnomalyScorer.SampledDraws, IwaeSamples: AnomalyScorer.SampledDraws));
        Assert.That(scorer.Score(test, AnomalyScore.NegElbo), Is.EqualTo(expected.NegElbo));
        Assert.That(scorer.Score(test, AnomalyScore.IwaeNll), Is.EqualTo(expected.IwaeNll));
    }

    [Test]
    public void StateRoundTripsThroughItsArraysAndTheDefaultIsDeterministic()
    {
        var (scorer, _, test) = Fitted(LikelihoodKind.Gaussian);
        var arrays = scorer.State.ToArrays();
        Assert.That(arrays.Keys, Is.EquivalentTo(new[] { "score.latent_center", "score.latent_whitening", "score.component_mean", "score.component_scale" }));
        var copy = new AnomalyScorer(scorer.Model, AnomalyScorerState.FromArrays(arrays));
        foreach (var s in Deterministic) Assert.That(copy.Score(test, s), Is.EqualTo(scorer.Score(test, s)), s.ToString());
        Assert.That(scorer.Score(test), Is.EqualTo(scorer.Score(test, AnomalyScorer.DefaultScore)));
        Assert.That(scorer.Score(test), Is.EqualTo(copy.Score(test)));

        arrays = scorer.State.ToArrays();
        ((Dictionary<string, float[]>)arrays).Remove("score.component_scale");
        Assert.That(() => AnomalyScorerState.FromArrays(arrays), Throws.ArgumentException.With.Message.Contain("score.component_scale"));
        Assert.That(() => new AnomalyScorerState([0f, 0f], [1f, 0f, 0f], [0f, 0f], [1f, 1f]), Throws.ArgumentException);
        Assert.That(() => new AnomalyScorerState([0f], [1f], [0f, 0f], [1f, 0f]), Throws.ArgumentException);
    }

    /// <summary>
    /// Mahalanobis distance under the aggregate posterior (mean and covariance of the training posterior means,
    /// plus their mean variance on the diagonal) and both combinations with the divergence, computed directly.
    /// </summary>
    private static void AssertLatentScores(AnomalyScorer scorer, float[][] train, float[][] test, IReadOnlyDictionary<AnomalyScore, double[]> scores)
    {
        var (trainMean, trainLogVar) = scorer.Model.Encode(train);
        int k = trainMean[0].Length, n = train.Length;
        var center = Enumerable.Range(0, k).Select(j => trainMean.Average(m => (double)m[j])).ToArray();
        var cov = new double[k, k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                cov[a, b] = trainMean.Average(m => (m[a] - center[a]) * (m[b] - center[b])) + (a == b ? trainLogVar.Average(v => Math.Exp(v[a])) : 0);
        var precision = Invert(cov);
        double Distance(float[] mu)
        {
            double d = 0;
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++) d += (mu[a] - center[a]) * precision[a, b] * (mu[b] - center[b]);
            return d;
        }
        var testMean = scorer.Model.Encode(test).Mean;
        var trainDivergence = scorer.Score(train, AnomalyScore.ReconstructionDivergence);
        var trainDistance = trainMean.Select(Distance).ToArray();
        for (int r = 0; r < test.Length; r++)
        {
            double distance = Distance(testMean[r]);
            Assert.That(scores[AnomalyScore.LatentMahalanobis][r], Is.EqualTo(distance).Within(1e-3 * distance + 1e-4), $"row {r}");
            double divergence = scores[AnomalyScore.ReconstructionDivergence][r];
            Assert.That(scores[AnomalyScore.Combined][r], Is.EqualTo(divergence + 0.5 * distance).Within(1e-3 * (divergence + distance) + 1e-4), $"row {r}");
            double standardized = Standardized(divergence, trainDivergence) + Standardized(distance, trainDistance);
            Assert.That(scores[AnomalyScore.StandardizedSum][r], Is.EqualTo(standardized).Within(1e-3 * Math.Abs(standardized) + 1e-3), $"row {r}");
        }
    }

    private static double Standardized(double value, double[] train)
    {
        double mean = train.Average();
        return (value - mean) / Math.Sqrt(train.Average(v => (v - mean) * (v - mean)));
    }

    private static double Kl(float[] mean, float[] logVar) =>
        mean.Select((m, j) => 0.5 * (Math.Exp(logVar[j]) + m * (double)m - 1 - logVar[j])).Sum();

    /// <summary>Gauss-Jordan inverse of a small symmetric positive definite matrix.</summary>
    private static double[,] Invert(double[,] m)
    {
        int k = m.GetLength(0);
        var a = (double[,])m.Clone();
        var inv = new double[k, k];
        for (int i = 0; i < k; i++) inv[i, i] = 1;
        for (int col = 0; col < k; col++)
        {
            double pivot = a[col, col];
            for (int j = 0; j < k; j++) { a[col, j] /= pivot; inv[col, j] /= pivot; }
            for (int row = 0; row < k; row++)
            {
                if (row == col) continue;
                double f = a[row, col];
                for (int j = 0; j < k; j++) { a[row, j] -= f * a[col, j]; inv[row, j] -= f * inv[col, j]; }
            }
        }
        return inv;
    }
}
