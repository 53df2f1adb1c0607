using MlNetVae.Engine;
using MlNetVae.Graph;
using MlNetVae.Inference;
using MlNetVae.Spec;
using MlNetVae.Tests.Graph;
using NUnit.Framework;

namespace MlNetVae.Tests.Scores;

/// <summary>Every deterministic score and the scorer's other outputs, managed, against the double-precision reference.</summary>
public class ScoreFormulaTests
{
    public static readonly AnomalyScore[] Deterministic = Enum.GetValues<AnomalyScore>().Where(s => s is not (AnomalyScore.NegElbo or AnomalyScore.IwaeNll)).ToArray();

    /// <summary>The deterministic scores defined on table rows (all but the image-only ones, tested in SmoothedScoreTests).</summary>
    public static readonly AnomalyScore[] TableScores = Deterministic.Where(s => !AnomalyScores.NeedsImages(s)).ToArray();

    private const int TrainRows = 800;

    /// <summary>A trained model with statistics fitted on its first 800 rows; the other 200 rows, a few of them pushed far out.</summary>
    internal static (VaeModelParameters Model, float[] Train, float[] Test) Fitted(ModelKind kind)
    {
        var (model, rows) = TestModels.Get(kind, trained: true);
        int d = model.Features;
        var train = TestData.Take(rows, d, 0, TrainRows);
        var test = TestData.Take(rows, d, TrainRows, 1000 - TrainRows);
        var kinds = model.Spec.Layout.Kinds();
        for (int r = 0; r < 20; r++)
        {
            int j = r % d;
            ref float v = ref test[r * d + j];
            // Bernoulli: flip to the other extreme; Gaussian: 6 scales away; categorical: left as it is (must stay one-hot).
            if (kinds[j] == FeatureKind.Bernoulli) v = v > 0.5f ? 0 : 1;
            else if (kinds[j] == FeatureKind.Gaussian) v += 6 * model.State[VaeSpec.InputScale].Data[j];
        }
        return (model.WithScoreStatistics(StatisticsFitter.Fit(model, train, AnomalyScores.Deterministic, new Compute(1))), train, test);
    }

    [TestCase(ModelKind.Bernoulli)]
    [TestCase(ModelKind.Gaussian)]
    [TestCase(ModelKind.Mixed)]
    public void EveryDeterministicScoreMatchesItsDefinition(ModelKind kind)
    {
        var (model, train, test) = Fitted(kind);
        int d = model.Features, n = test.Length / d;
        var reference = new DoubleReference(model);
        var rows = Enumerable.Range(0, n).Select(r => reference.Row(test.AsSpan(r * d, d))).ToArray();
        var trainRows = Enumerable.Range(0, TrainRows).Select(r => reference.Row(train.AsSpan(r * d, d))).ToArray();
        var (center, precision) = AggregatePosterior(trainRows);
        double Distance(double[] mu) => Mahalanobis(mu, center, precision);
        var trainDivergence = trainRows.Select(r => r.Divergence).ToArray();
        var trainDistance = trainRows.Select(r => Distance(r.Mean)).ToArray();

        var expected = new Dictionary<AnomalyScore, double[]>
        {
            [AnomalyScore.CorrectedNegElbo] = rows.Select(r => r.Divergence + r.Kl).ToArray(),
            [AnomalyScore.ReconstructionDivergence] = rows.Select(r => r.Divergence).ToArray(),
            [AnomalyScore.ReconstructionError] = rows.Select(r => r.SquaredError).ToArray(),
            [AnomalyScore.LatentMahalanobis] = rows.Select(r => Distance(r.Mean)).ToArray(),
            [AnomalyScore.Combined] = rows.Select(r => r.Divergence + 0.5 * Distance(r.Mean)).ToArray(),
            [AnomalyScore.StandardizedSum] = rows.Select(r => Standardized(r.Divergence, trainDivergence) + Standardized(Distance(r.Mean), trainDistance)).ToArray(),
        };
        Assert.That(expected.Keys, Is.EquivalentTo(TableScores), "a new deterministic score needs its definition here");
        var scorer = new AnomalyScorer(model, threads: 1);
        foreach (var score in TableScores)
        {
            var actual = scorer.Score(test, score);
            for (int r = 0; r < n; r++)
                Assert.That(actual[r], Is.EqualTo(expected[score][r]).Within(2e-4 * Math.Abs(expected[score][r]) + 2e-4), $"{score}, row {r}");
        }
        Assert.That(scorer.Score(test), Is.EqualTo(scorer.Score(test, AnomalyScore.CorrectedNegElbo)), "the default score");
        Assert.That(expected[AnomalyScore.CorrectedNegElbo].Take(20).Average(), Is.GreaterThan(expected[AnomalyScore.CorrectedNegElbo].Skip(20).Average()),
            "the pushed rows score higher (the rows reach more than the middle of the model)");

        // The scorer's other outputs: the -ELBO at the mean, the posterior and the reconstruction.
        var buffers = new ScorerBuffers(model, n, [VaeOutput.NegElbo, VaeOutput.LatentMean, VaeOutput.LatentLogVar, VaeOutput.Reconstruction]);
        new ManagedRunner(model, new Compute(1)).Score(test, n, AnomalyScore.CorrectedNegElbo, buffers);
        var scale = model.State[VaeSpec.InputScale].Data;
        for (int r = 0; r < n; r++)
        {
            double negElbo = rows[r].Nll + rows[r].Kl;
            Assert.That(buffers.For(VaeOutput.NegElbo)[r], Is.EqualTo(negElbo).Within(2e-4 * Math.Abs(negElbo) + 2e-4), $"neg_elbo, row {r}");
            for (int i = 0; i < model.LatentSize; i++)
            {
                Assert.That(buffers.For(VaeOutput.LatentMean)[r * model.LatentSize + i], Is.EqualTo(rows[r].Mean[i]).Within(1e-4 * Math.Abs(rows[r].Mean[i]) + 1e-5), $"latent mean, row {r}");
                Assert.That(buffers.For(VaeOutput.LatentLogVar)[r * model.LatentSize + i], Is.EqualTo(rows[r].LogVar[i]).Within(1e-4 * Math.Abs(rows[r].LogVar[i]) + 1e-5), $"latent log-variance, row {r}");
            }
            for (int j = 0; j < d; j++)
                Assert.That(buffers.For(VaeOutput.Reconstruction)[r * d + j], Is.EqualTo(rows[r].Reconstruction[j]).Within(1e-4 * Math.Abs(rows[r].Reconstruction[j]) + 1e-5 * scale[j]), $"reconstruction, row {r}, feature {j}");
        }
    }

    [Test]
    public void StatisticsAreNamedShapedAndChecked()
    {
        var (model, _, _) = Fitted(ModelKind.Mixed);
        var s = model.ScoreStatistics!;
        Assert.That(s.Names, Is.EqualTo(new[]
        {
            ScoreStatistics.LatentCenter, ScoreStatistics.LatentWhitening, ScoreStatistics.DivergenceMean,
            ScoreStatistics.DivergenceScale, ScoreStatistics.MahalanobisMean, ScoreStatistics.MahalanobisScale,
        }));
        Assert.That(s[ScoreStatistics.LatentWhitening].Shape, Is.EqualTo(new[] { 3, 3 }));
        Assert.That(() => ScoreStatistics.Validate(s, model.Features, 3), Throws.Nothing);
        Assert.That(() => ScoreStatistics.Validate(s, model.Features, 4), Throws.ArgumentException.With.Message.Contain("score statistic 'score.latent_center' has shape [3], expected [4]"));
        var nan = s.Clone();
        nan[ScoreStatistics.LatentWhitening].Data[4] = float.NaN;
        Assert.That(() => ScoreStatistics.Validate(nan, model.Features, 3), Throws.ArgumentException.With.Message.Contain("non-finite"));
        var zero = s.Clone();
        zero[ScoreStatistics.MahalanobisScale].Data[0] = 0;
        Assert.That(() => ScoreStatistics.Validate(zero, model.Features, 3), Throws.ArgumentException.With.Message.Contain("positive"));
        var missing = new StateDict();
        foreach (var name in s.Names.Skip(1)) missing.Set(name, s[name].Shape, s[name].Data);
        Assert.That(ScoreStatistics.Missing(model.Spec, missing, AnomalyScore.StandardizedSum), Does.Contain("'score.latent_center'"));
        Assert.That(() => StatisticsFitter.Fit(model, TestModels.Get(ModelKind.Mixed, true).Rows.AsSpan(0, 14).ToArray(), Deterministic, Compute.Shared(1)),
            Throws.ArgumentException, "one row");

        var bare = TestModels.Get(ModelKind.Mixed, true).Model;
        bool NeedsStatistics(AnomalyScore score) => ScoreStatistics.ReadBy(MlNetVae.Tests.Onnx.ConvModelTests.Model(trained: false).Model.Spec, score).Count > 0;
        foreach (var score in TableScores.Where(NeedsStatistics))
            Assert.That(() => new AnomalyScorer(bare).Score(TestModels.Get(ModelKind.Mixed, true).Rows, score),
                Throws.InvalidOperationException.With.Message.Contain("needs statistics of the training rows"), score.ToString());
        Assert.That(Deterministic.Where(NeedsStatistics), Is.EquivalentTo(new[]
        {
            AnomalyScore.LatentMahalanobis, AnomalyScore.Combined, AnomalyScore.StandardizedSum, AnomalyScore.SmoothedStandardizedSum,
            AnomalyScore.MultiscaleStandardizedSum, AnomalyScore.RelativeMultiscaleSum, AnomalyScore.StructuralMultiscaleSum,
        }), "traced from each formula: the scores that read the fitted statistics");
    }

    [Test]
    public void SampledScoresAreTheInferenceEstimatesWithTenDraws()
    {
        var (model, _, test) = Fitted(ModelKind.Bernoulli);
        var scorer = new AnomalyScorer(model, threads: 1);
        var inference = new VaeInference(model, threads: 1);
        var (reconstruction, kl) = inference.Elbo(test, AnomalyScorer.SampledDraws);
        Assert.That(scorer.Score(test, AnomalyScore.NegElbo), Is.EqualTo(reconstruction.Select((v, i) => v + kl[i]).ToArray()));
        Assert.That(scorer.Score(test, AnomalyScore.IwaeNll), Is.EqualTo(inference.IwaeNll(test, AnomalyScorer.SampledDraws)));
        Assert.That(() => scorer.Score(test, (AnomalyScore)99), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    /// <summary>Center and inverse covariance of the aggregate posterior: Cov(means) + diag(mean posterior variance).</summary>
    internal static (double[] Center, double[,] Precision) AggregatePosterior(ReferenceRow[] train)
    {
        int k = train[0].Mean.Length, n = train.Length;
        var center = Enumerable.Range(0, k).Select(j => train.Average(r => r.Mean[j])).ToArray();
        var cov = new double[k, k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                cov[a, b] = train.Average(r => (r.Mean[a] - center[a]) * (r.Mean[b] - center[b])) + (a == b ? train.Average(r => Math.Exp(r.LogVar[a])) : 0);
        return (center, Invert(cov));
    }

    internal static double Mahalanobis(double[] mu, double[] center, double[,] precision)
    {
        double d = 0;
        for (int a = 0; a < mu.Length; a++)
            for (int b = 0; b < mu.Length; b++) d += (mu[a] - center[a]) * precision[a, b] * (mu[b] - center[b]);
        return d;
    }

    internal static double Standardized(double value, double[] train)
    {
        double mean = train.Average();
        return (value - mean) / Math.Sqrt(train.Average(v => (v - mean) * (v - mean)));
    }

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
