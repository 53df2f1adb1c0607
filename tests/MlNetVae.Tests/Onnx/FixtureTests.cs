using System.Security.Cryptography;
using System.Text.Json;
using MlNetVae.Inference;
using MlNetVae.Onnx;
using MlNetVae.Spec;
using NUnit.Framework;

namespace MlNetVae.Tests.Onnx;

/// <summary>
/// tests/reference/fixtures/scorer.onnx was written once (by make_scorer_fixture.cs beside it) with what it computed
/// on 8 rows. Every later build must still load that very file and compute the same numbers, managed and in ONNX
/// Runtime: a change of the exporter, the loader or the formulas that breaks saved models fails here.
/// </summary>
public class FixtureTests
{
    private static readonly string Folder = Path.Combine(TestContext.CurrentContext.TestDirectory, "reference", "fixtures");
    private static readonly byte[] Bytes = File.ReadAllBytes(Path.Combine(Folder, "scorer.onnx"));
    private static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "scorer.expected.json"))).RootElement;
    private static readonly float[] Rows = Floats(Expected.GetProperty("rows"));

    [Test]
    public void TheFixtureIsTheFileThatWasWritten()
    {
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(Bytes)), Is.EqualTo(Expected.GetProperty("sha256").GetString()), "scorer.onnx was rewritten; it must stay as first written");
    }

    [Test]
    public void ItLoadsAndScoresAsItDidWhenItWasWritten()
    {
        var imported = OnnxImport.Load(Bytes);
        var model = imported.Model;
        Assert.That((model.Features, model.LatentSize, imported.Score), Is.EqualTo((10, 2, AnomalyScore.CorrectedNegElbo)));
        Assert.That(model.Spec.Layout.Blocks.Select(b => b.Kind), Is.EqualTo(new[] { FeatureKind.Bernoulli, FeatureKind.Gaussian, FeatureKind.Categorical }));
        Assert.That(model.ScoreStatistics, Is.Not.Null);
        Assert.That(imported.Metadata["fixture.note"], Does.Contain("make_scorer_fixture.cs"));
        var scale = model.State[VaeSpec.InputScale].Data;

        var scorer = new AnomalyScorer(model, threads: 1);
        foreach (var score in Expected.GetProperty("scores").EnumerateObject())
            Near(scorer.Score(Rows, Enum.Parse<AnomalyScore>(score.Name)).Select(v => (float)v).ToArray(), Floats(score.Value), score.Name);
        var inference = new VaeInference(model, threads: 1);
        var (mean, logVar) = inference.Encode(Rows);
        var (nll, kl) = inference.Elbo(Rows);
        Near(mean, Floats(Expected.GetProperty("latent_mean")), "latent mean");
        Near(logVar, Floats(Expected.GetProperty("latent_log_var")), "latent log-variance");
        Near(nll.Select((v, i) => (float)(v + kl[i])).ToArray(), Floats(Expected.GetProperty("neg_elbo")), "neg_elbo");
        Near(inference.Reconstruct(Rows), Floats(Expected.GetProperty("reconstruction")), "reconstruction", scale);
        Assert.That(OnnxImport.Load(OnnxExport.Scorer(model)).Model.State[VaeSpec.InputMean].Data, Is.EqualTo(model.State[VaeSpec.InputMean].Data), "exported again by this build, it loads again");
    }

    [Test]
    public void OnnxRuntimeRunsItsGraphToTheSameNumbers()
    {
        using var ort = new Ort(Bytes);
        var r = ort.Run(OnnxNames.Features, Rows, 10, OnnxNames.Score, OnnxNames.NegElbo, OnnxNames.LatentMean, OnnxNames.LatentLogVar, OnnxNames.Reconstruction);
        var scale = OnnxImport.Load(Bytes).Model.State[VaeSpec.InputScale].Data;
        Near(r[OnnxNames.Score].Data, Floats(Expected.GetProperty("scores").GetProperty(nameof(AnomalyScore.CorrectedNegElbo))), "score");
        Near(r[OnnxNames.NegElbo].Data, Floats(Expected.GetProperty("neg_elbo")), "neg_elbo");
        Near(r[OnnxNames.LatentMean].Data, Floats(Expected.GetProperty("latent_mean")), "latent_mean");
        Near(r[OnnxNames.LatentLogVar].Data, Floats(Expected.GetProperty("latent_log_var")), "latent_log_var");
        Near(r[OnnxNames.Reconstruction].Data, Floats(Expected.GetProperty("reconstruction")), "reconstruction", scale);
    }

    /// <summary>Equal to 1e-5 relative (a 1e-5 floor, times the feature's scale for raw-unit reconstructions).</summary>
    private static void Near(float[] actual, float[] expected, string what, float[]? scale = null)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        for (int i = 0; i < expected.Length; i++)
        {
            double floor = 1e-5 * (scale is null ? 1 : scale[i % scale.Length]);
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(Math.Max(floor, 1e-5 * Math.Abs(expected[i]))), $"{what}[{i}]");
        }
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();
}
