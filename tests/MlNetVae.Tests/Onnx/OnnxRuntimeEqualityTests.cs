using MlNetVae.Engine;
using MlNetVae.Engine.Randomness;
using MlNetVae.Graph;
using MlNetVae.Inference;
using MlNetVae.Onnx;
using MlNetVae.Spec;
using MlNetVae.Tests.Graph;
using MlNetVae.Tests.Scores;
using NUnit.Framework;

namespace MlNetVae.Tests.Onnx;

/// <summary>ONNX Runtime running the three exported graphs gives the managed engine's numbers.</summary>
public class OnnxRuntimeEqualityTests
{
    [OneTimeTearDown]
    public void Report() => TestContext.Progress.WriteLine($"ORT vs managed:\n{Closeness.Report()}");

    /// <summary>Every scorer output the managed runner computes for the rows, flat.</summary>
    internal static ScorerBuffers Managed(VaeModelParameters model, float[] rows, AnomalyScore score)
    {
        var buffers = new ScorerBuffers(model, rows.Length / model.Features,
            [VaeOutput.Score, VaeOutput.LatentMean, VaeOutput.LatentLogVar, VaeOutput.Reconstruction, VaeOutput.NegElbo]);
        new ManagedRunner(model, new Compute(1)).Score(rows, rows.Length / model.Features, score, buffers);
        return buffers;
    }

    [Test, Combinatorial]
    public void AllThreeGraphsMatchTheManagedEngine([Values] ModelKind kind, [Values(false, true)] bool trained, [Values(1, 1000)] int batch)
    {
        var (model, all) = TestModels.Get(kind, trained);
        int d = model.Features, k = model.LatentSize;
        var rows = TestData.Take(all, d, 0, batch);
        var scale = model.State[VaeSpec.InputScale].Data;
        var managed = Managed(model, rows, AnomalyScore.CorrectedNegElbo);

        using (var encoder = new Ort(OnnxExport.Encoder(model)))
        {
            var encoded = encoder.Run(OnnxNames.Features, rows, d, OnnxNames.LatentMean, OnnxNames.LatentLogVar);
            Assert.That(encoded[OnnxNames.LatentMean].Shape, Is.EqualTo(new long[] { batch, k }));
            Closeness.Assert(encoded[OnnxNames.LatentMean].Data, managed.For(VaeOutput.LatentMean), "latent_mean (encoder)");
            Closeness.Assert(encoded[OnnxNames.LatentLogVar].Data, managed.For(VaeOutput.LatentLogVar), "latent_log_var (encoder)");
        }

        // The decoder at the posterior means and at draws from the prior, which reach further out.
        var prior = new float[batch * k];
        new Rng(3).FillNormal(prior, 0, 2);
        var latents = managed.For(VaeOutput.LatentMean).Concat(prior).ToArray();
        using (var decoder = new Ort(OnnxExport.Decoder(model)))
        {
            var decoded = decoder.Run(OnnxNames.Latent, latents, k, OnnxNames.Reconstruction);
            Assert.That(decoded[OnnxNames.Reconstruction].Shape, Is.EqualTo(new long[] { 2 * batch, d }));
            Closeness.Assert(decoded[OnnxNames.Reconstruction].Data, new VaeInference(model, 1).Decode(latents), "reconstruction (decoder)", scale);
        }

        using var scorer = new Ort(OnnxExport.Scorer(model));
        var scored = scorer.Run(OnnxNames.Features, rows, d, OnnxNames.Score, OnnxNames.LatentMean, OnnxNames.Reconstruction, OnnxNames.NegElbo);
        Assert.That(scored[OnnxNames.Score].Shape, Is.EqualTo(new long[] { batch, 1 }));
        Assert.That(scored[OnnxNames.NegElbo].Shape, Is.EqualTo(new long[] { batch, 1 }));
        Closeness.Assert(scored[OnnxNames.Score].Data, managed.For(VaeOutput.Score), "score");
        Closeness.Assert(scored[OnnxNames.NegElbo].Data, managed.For(VaeOutput.NegElbo), "neg_elbo");
        Closeness.Assert(scored[OnnxNames.LatentMean].Data, managed.For(VaeOutput.LatentMean), "latent_mean (scorer)");
        Closeness.Assert(scored[OnnxNames.Reconstruction].Data, managed.For(VaeOutput.Reconstruction), "reconstruction (scorer)", scale);
    }

    [Test, Combinatorial]
    public void EveryDeterministicScoreMatchesInOnnxRuntime([Values] ModelKind kind)
    {
        var (model, _, test) = ScoreFormulaTests.Fitted(kind);
        foreach (var score in ScoreFormulaTests.TableScores)
        {
            using var scorer = new Ort(OnnxExport.Scorer(model, new ScorerExportOptions(Score: score)));
            var onnx = scorer.Run(OnnxNames.Features, test, model.Features, OnnxNames.Score)[OnnxNames.Score].Data;
            Closeness.Assert(onnx, Managed(model, test, score).For(VaeOutput.Score), $"score {score}");
        }
    }

    [TestCase(ModelKind.Bernoulli)]
    [TestCase(ModelKind.Gaussian)]
    [TestCase(ModelKind.Mixed)]
    public void ExtremeButFiniteInputsGetFiniteVeryLargeScoresOnBoth(ModelKind kind)
    {
        var (model, all) = TestModels.Get(kind, trained: true);
        int d = model.Features;
        var kinds = model.Spec.Layout.Kinds();
        var rows = TestData.Take(all, d, 0, 6);
        var normal = Managed(model, rows, AnomalyScore.CorrectedNegElbo).For(VaeOutput.Score).Max();
        // Row 0..2: one feature extreme; row 3..5: every numeric feature extreme.
        int bernoulli = Array.IndexOf(kinds, FeatureKind.Bernoulli), gaussian = Array.IndexOf(kinds, FeatureKind.Gaussian);
        for (int r = 0; r < 6; r++)
            for (int j = 0; j < d; j++)
            {
                if (r < 3 && j != bernoulli && j != gaussian) continue;
                if (kinds[j] == FeatureKind.Bernoulli) rows[r * d + j] = r % 3 == 2 ? -1e30f : 1e30f;
                if (kinds[j] == FeatureKind.Gaussian) rows[r * d + j] = r % 3 == 1 ? -3e38f : 3e38f;
            }
        var managed = Managed(model, rows, AnomalyScore.CorrectedNegElbo);
        using var scorer = new Ort(OnnxExport.Scorer(model, new ScorerExportOptions()));
        var onnx = scorer.Run(OnnxNames.Features, rows, d, OnnxNames.Score, OnnxNames.NegElbo);
        TestContext.Out.WriteLine($"{kind}: normal rows up to {normal:G4}; extreme rows managed {string.Join(", ", managed.For(VaeOutput.Score).Select(v => v.ToString("G4")))}; ORT {string.Join(", ", onnx[OnnxNames.Score].Data.Select(v => v.ToString("G4")))}");
        foreach (var (name, values) in new[] { ("managed", managed.For(VaeOutput.Score)), ("ORT", onnx[OnnxNames.Score].Data), ("managed neg_elbo", managed.For(VaeOutput.NegElbo)), ("ORT neg_elbo", onnx[OnnxNames.NegElbo].Data) })
            for (int r = 0; r < 6; r++)
                Assert.That(float.IsFinite(values[r]) && values[r] > 1000 * Math.Max(1, normal), Is.True, $"{name}, row {r}: {values[r]:G4} (normal rows up to {normal:G4})");
        Closeness.Assert(onnx[OnnxNames.Score].Data, managed.For(VaeOutput.Score), "score (extreme rows)");
    }

    [Test]
    public void TheThresholdBecomesAPredictedLabelAndThePrefixRenamesEveryInputAndOutput()
    {
        var (model, all) = TestModels.Get(ModelKind.Mixed, trained: true);
        var scores = Managed(model, all, AnomalyScore.CorrectedNegElbo).For(VaeOutput.Score);
        float threshold = scores.Order().ElementAt(900);
        using var scorer = new Ort(OnnxExport.Scorer(model, new ScorerExportOptions(Threshold: threshold, NamePrefix: "vae_")));
        Assert.That(scorer.Session.InputMetadata.Keys, Is.EqualTo(new[] { "vae_features" }));
        Assert.That(scorer.Session.OutputMetadata.Keys, Is.EqualTo(new[] { "vae_score", "vae_latent_mean", "vae_reconstruction", "vae_neg_elbo", "vae_predicted_label", "vae_feature_contributions", "vae_latent_contribution" }));
        var labels = scorer.RunBool("vae_features", all, 14, "vae_predicted_label");
        Assert.That(labels, Is.EqualTo(scores.Select(s => s > threshold).ToArray()));
        Assert.That(labels.Count(l => l), Is.EqualTo(99));
    }

    [Test]
    public void TheDefaultScorerHasTheContractsOutputsInOrder()
    {
        var (model, _) = TestModels.Get(ModelKind.Bernoulli, trained: false);
        using var scorer = new Ort(OnnxExport.Scorer(model));
        Assert.That(scorer.Session.OutputMetadata.Keys, Is.EqualTo(new[] { "score", "latent_mean", "reconstruction", "neg_elbo", "feature_contributions", "latent_contribution" }));
        using (var plain = new Ort(OnnxExport.Scorer(model, new ScorerExportOptions(Contributions: false))))
            Assert.That(plain.Session.OutputMetadata.Keys, Is.EqualTo(new[] { "score", "latent_mean", "reconstruction", "neg_elbo" }), "a graph for scoring alone");
        Assert.That(scorer.Session.InputMetadata["features"].Dimensions, Is.EqualTo(new[] { -1, 12 }), "a dynamic batch dimension");
        Assert.That(scorer.Session.ModelMetadata.CustomMetadataMap["mlnetvae.score"], Is.EqualTo("corrected_neg_elbo"));
        Assert.That(() => OnnxExport.Scorer(model, new ScorerExportOptions(Score: AnomalyScore.LatentMahalanobis)), Throws.ArgumentException.With.Message.Contain("needs statistics of the training rows"));
    }
}
