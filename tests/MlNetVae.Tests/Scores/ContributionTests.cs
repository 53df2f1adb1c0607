using MlNetVae.Engine;
using MlNetVae.Graph;
using MlNetVae.Inference;
using MlNetVae.Onnx;
using MlNetVae.Spec;
using MlNetVae.Tests.Graph;
using MlNetVae.Tests.Onnx;
using NUnit.Framework;

namespace MlNetVae.Tests.Scores;

/// <summary>
/// The FeatureContributions and LatentContribution outputs: each score split as its formula splits it, checked against
/// the split written out in double precision, adding up to the score, and the same in ONNX Runtime.
/// </summary>
public class ContributionTests
{
    /// <summary>The score, the features' part [rows, F] and the latent part of each row, from one managed pass.</summary>
    internal static (float[] Score, float[] Features, float[] Latent) Managed(VaeModelParameters model, float[] rows, AnomalyScore score)
    {
        int n = rows.Length / model.Features;
        var buffers = new ScorerBuffers(model, n, [VaeOutput.Score, VaeOutput.FeatureContributions, VaeOutput.LatentContribution]);
        new ManagedRunner(model, new Compute(1)).Score(rows, n, score, buffers);
        return (buffers.For(VaeOutput.Score), buffers.For(VaeOutput.FeatureContributions), buffers.For(VaeOutput.LatentContribution));
    }

    /// <summary>Per row, the features' contributions plus the latent one against the score: equal to float rounding.</summary>
    internal static void AssertAddsUp(float[] score, float[] features, float[] latent, string what)
    {
        int f = features.Length / score.Length;
        for (int r = 0; r < score.Length; r++)
        {
            double sum = latent[r];
            for (int j = 0; j < f; j++) sum += features[r * f + j];
            Assert.That(sum, Is.EqualTo(score[r]).Within(1e-5 * Math.Max(1, Math.Abs(score[r]))), $"{what}, row {r}: contributions {sum} vs score {score[r]}");
        }
    }

    [Test]
    public void TheExplainedFeaturesAreTheInputColumnsWithEachOneHotGroupCountedOnceAndThePixels()
    {
        Assert.That(ExplainedFeatures.Count(TestModels.Get(ModelKind.Mixed, false).Model.Spec), Is.EqualTo(11), "5 Bernoulli + 4 Gaussian + a 3-slot and a 2-slot group");
        Assert.That(ExplainedFeatures.Count(TestModels.Get(ModelKind.Gaussian, false).Model.Spec), Is.EqualTo(8));
        Assert.That(ExplainedFeatures.Count(ConvModelTests.Model(trained: false).Model.Spec), Is.EqualTo(12 * 10), "1 x 12 x 10 images");
    }

    [TestCase(ModelKind.Bernoulli)]
    [TestCase(ModelKind.Gaussian)]
    [TestCase(ModelKind.Mixed)]
    public void EachScoreSplitsAsItsFormulaDoesAndAddsUpToTheScore(ModelKind kind)
    {
        var (model, train, test) = ScoreFormulaTests.Fitted(kind);
        int d = model.Features, n = test.Length / d, f = ExplainedFeatures.Count(model.Spec);
        var reference = new DoubleReference(model);
        var rows = Enumerable.Range(0, n).Select(r => reference.Row(test.AsSpan(r * d, d))).ToArray();
        var trainRows = Enumerable.Range(0, train.Length / d).Select(r => reference.Row(train.AsSpan(r * d, d))).ToArray();
        var (center, precision) = ScoreFormulaTests.AggregatePosterior(trainRows);
        double Distance(ReferenceRow row) => ScoreFormulaTests.Mahalanobis(row.Mean, center, precision);
        var trainDivergence = trainRows.Select(r => r.Divergence).ToArray();
        var trainDistance = trainRows.Select(Distance).ToArray();
        var divergence = rows.Select(r => reference.PerFeature(r.Output, r.X).Divergence).ToArray();
        var squared = rows.Select(r => reference.SquaredErrorPerFeature(r.Output, r.X)).ToArray();
        double[] Shares(double[] values, double of) => values.Select(v => v / values.Sum() * of).ToArray();

        var expected = new Dictionary<AnomalyScore, Func<int, (double[] Features, double Latent)>>
        {
            [AnomalyScore.CorrectedNegElbo] = r => (divergence[r], rows[r].Kl),
            [AnomalyScore.ReconstructionDivergence] = r => (divergence[r], 0),
            [AnomalyScore.ReconstructionError] = r => (squared[r], 0),
            [AnomalyScore.LatentMahalanobis] = r => (new double[f], Distance(rows[r])),
            [AnomalyScore.Combined] = r => (divergence[r], 0.5 * Distance(rows[r])),
            [AnomalyScore.StandardizedSum] = r => (Shares(divergence[r], ScoreFormulaTests.Standardized(rows[r].Divergence, trainDivergence)),
                ScoreFormulaTests.Standardized(Distance(rows[r]), trainDistance)),
        };
        Assert.That(expected.Keys, Is.EquivalentTo(ScoreFormulaTests.TableScores), "a new deterministic score needs its split here");
        foreach (var score in ScoreFormulaTests.TableScores)
        {
            var (actualScore, features, latent) = Managed(model, test, score);
            Assert.That(features, Has.Length.EqualTo(n * f));
            for (int r = 0; r < n; r++)
            {
                var (e, l) = expected[score](r);
                Assert.That(e, Has.Length.EqualTo(f));
                Assert.That(latent[r], Is.EqualTo(l).Within(2e-4 * Math.Abs(l) + 2e-4), $"{score}, row {r}: latent part");
                for (int j = 0; j < f; j++)
                    Assert.That(features[r * f + j], Is.EqualTo(e[j]).Within(2e-4 * Math.Abs(e[j]) + 2e-4), $"{score}, row {r}, feature {j}");
            }
            AssertAddsUp(actualScore, features, latent, score.ToString());
        }
    }

    [TestCase(ModelKind.Bernoulli)]
    [TestCase(ModelKind.Gaussian)]
    [TestCase(ModelKind.Mixed)]
    public void OnnxRuntimeGivesTheManagedContributionsAndTheyAddUpToItsScore(ModelKind kind)
    {
        var (model, _, test) = ScoreFormulaTests.Fitted(kind);
        int f = ExplainedFeatures.Count(model.Spec);
        foreach (var score in ScoreFormulaTests.TableScores)
        {
            using var scorer = new Ort(OnnxExport.Scorer(model, new ScorerExportOptions(Score: score)));
            var onnx = scorer.Run(OnnxNames.Features, test, model.Features, OnnxNames.Score, OnnxNames.FeatureContributions, OnnxNames.LatentContribution);
            Assert.That(onnx[OnnxNames.FeatureContributions].Shape, Is.EqualTo(new long[] { test.Length / model.Features, f }));
            Assert.That(onnx[OnnxNames.LatentContribution].Shape, Is.EqualTo(new long[] { test.Length / model.Features, 1 }));
            var (_, features, latent) = Managed(model, test, score);
            Closeness.Assert(onnx[OnnxNames.FeatureContributions].Data, features, $"feature_contributions ({score})");
            Closeness.Assert(onnx[OnnxNames.LatentContribution].Data, latent, $"latent_contribution ({score})");
            AssertAddsUp(onnx[OnnxNames.Score].Data, onnx[OnnxNames.FeatureContributions].Data, onnx[OnnxNames.LatentContribution].Data, $"ONNX Runtime, {score}");
        }
    }
}
