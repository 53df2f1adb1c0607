using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Onnx;
using MlNetVae.Tests.Cli.Data;
using MlNetVae.TestWriter;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>What a PredictionEngine returns for a row when the score's split is asked for.</summary>
public sealed class ExplainedPrediction
{
    public float Score { get; set; }
    public float[] FeatureContributions { get; set; } = [];
    public float LatentContribution { get; set; }
}

/// <summary>
/// The FeatureContributions and LatentContribution columns as an ML.NET user meets them: off by default, added by one
/// option, typed like the other vectors, adding up to Score, and the same after saving, reloading and restoring.
/// </summary>
public class ContributionColumnTests
{
    private static readonly SensorRow[] Test = PipelineTests.Test;
    private static readonly Lazy<ITransformer> Explained = new(() => PipelineTests.Fit(SensorRows.Tiny with { OutputColumns = VaeColumns.All }));

    [Test]
    public void OffByDefaultOneOptionAddsThemAndTheyAddUpToTheScore()
    {
        var ml = new MLContext(seed: 1);
        var test = ml.Data.LoadFromEnumerable(Test);
        var plain = PipelineTests.Fit(SensorRows.Tiny).Transform(test).Schema;
        Assert.That(plain.GetColumnOrNull("FeatureContributions"), Is.Null);
        Assert.That(plain.GetColumnOrNull("LatentContribution"), Is.Null);
        Assert.That(new VaeOptions().OutputColumns & VaeColumns.Contributions, Is.EqualTo(VaeColumns.None));

        var scored = Explained.Value.Transform(test);
        Assert.That(scored.Schema.Skip(scored.Schema.Count - 7).Select(c => (c.Name, c.Type.ToString())), Is.EqualTo(new[]
        {
            ("Score", "Single"), ("PredictedLabel", "Boolean"), ("LatentMean", "Vector<Single, 1, 2>"), ("Reconstruction", "Vector<Single, 1, 4>"),
            ("NegElbo", "Single"), ("FeatureContributions", "Vector<Single, 1, 4>"), ("LatentContribution", "Single"),
        }));
        var score = scored.GetColumn<float>("Score").ToArray();
        var features = scored.GetColumn<float[]>("FeatureContributions").ToArray();
        var latent = scored.GetColumn<float>("LatentContribution").ToArray();
        var labels = scored.GetColumn<float>("Label").ToArray();
        for (int i = 0; i < score.Length; i++)
            Assert.That(features[i].Sum() + latent[i], Is.EqualTo(score[i]).Within(1e-5 * Math.Max(1, Math.Abs(score[i]))), $"row {i}");
        // The test's anomalies break the pattern through D (slot 3): their largest contribution names it.
        var anomalies = Enumerable.Range(0, score.Length).Where(i => labels[i] == 1).ToArray();
        int named = anomalies.Count(i => Array.IndexOf(features[i], features[i].Max()) == 3);
        TestContext.Out.WriteLine($"{named} of {anomalies.Length} anomalies have D as their largest contribution");
        Assert.That(named, Is.EqualTo(anomalies.Length));

        // A PredictionEngine scores one row at a time (another GEMM path than a batch): the same numbers to float rounding.
        using var engine = ml.Model.CreatePredictionEngine<SensorRow, ExplainedPrediction>(Explained.Value);
        for (int i = 0; i < 20; i++)
        {
            var p = engine.Predict(Test[i]);
            Onnx.Closeness.Assert(p.FeatureContributions, features[i], "FeatureContributions (PredictionEngine)");
            Onnx.Closeness.Assert([p.LatentContribution], [latent[i]], "LatentContribution (PredictionEngine)");
        }
    }

    [Test]
    public void OnnxRuntimeInferenceGivesTheManagedContributions()
    {
        var ml = new MLContext(seed: 1);
        var test = ml.Data.LoadFromEnumerable(Test);
        var vae = SensorRows.Vae(Explained.Value);
        var managed = vae.Transform(Explained.Value.Transform(test));
        var onnx = vae.WithOptions(o => o with { Inference = InferenceEngine.OnnxRuntime }).Transform(Explained.Value.Transform(test));
        foreach (var column in new[] { "FeatureContributions", "LatentContribution" })
        {
            var expected = column == "LatentContribution" ? managed.GetColumn<float>(column).ToArray() : managed.GetColumn<float[]>(column).SelectMany(v => v).ToArray();
            var actual = column == "LatentContribution" ? onnx.GetColumn<float>(column).ToArray() : onnx.GetColumn<float[]>(column).SelectMany(v => v).ToArray();
            Onnx.Closeness.Assert(actual, expected, $"{column} (ONNX Runtime inference)");
        }
    }

    [Test]
    public void ASavedPipelineWithContributionsReloadsAndRestoresInANewProcessWithTheSameColumnsAndValues()
    {
        var model = Explained.Value;
        using var files = new Files();
        var ml = new MLContext(seed: 1);
        var training = PipelineTests.SaveWithTheTestRows(ml, model, files);
        var here = ViewDump.Of(model.Transform(ViewDump.LoadTsv(ml, files["test.tsv"], training.Schema)));
        double threshold = SensorRows.Vae(model).Threshold.Value;

        var (code, stdout, stderr) = ChildProcess.TestWriter(120, "dump", files["model.zip"], files["test.tsv"]);
        Assert.That(code, Is.EqualTo(0), stderr);
        var reloaded = JsonSerializer.Deserialize<ViewDump.Table>(stdout)!;
        Assert.That(reloaded.Schema.Select(c => c.Name).TakeLast(2), Is.EqualTo(new[] { "FeatureContributions", "LatentContribution" }));
        var loaded = Tables.Compare(here, reloaded, "Score", "PredictedLabel", threshold);
        TestContext.Out.WriteLine($"loaded (ONNX Runtime) vs fitted: {loaded.Numbers} numbers, max relative difference {loaded.MaxRelative:G3}");

        (code, stdout, stderr) = ChildProcess.TestWriter(120, "restored", files["model.zip"], files["test.tsv"]);
        Assert.That(code, Is.EqualTo(0), stderr);
        var restored = JsonSerializer.Deserialize<PipelineBehaviour>(stdout)!;
        var same = Tables.Compare(here, restored.Table, "Score", "PredictedLabel", threshold);
        Assert.That(same.NotBitIdentical, Is.Zero, "the same engine on the same weights");
    }

    [Test]
    public void ASavedGraphHoldsTheContributionsOnlyWhenTheirColumnsAreThere()
    {
        var with = SensorRows.Vae(Explained.Value);
        var without = with.WithOptions(o => o with { OutputColumns = o.OutputColumns & ~VaeColumns.Contributions });
        Assert.That(OnnxImport.OutputNames(with.ScorerOnnx()), Does.Contain(OnnxNames.FeatureContributions).And.Contain(OnnxNames.LatentContribution));
        Assert.That(OnnxImport.OutputNames(without.ScorerOnnx()), Does.Not.Contain(OnnxNames.FeatureContributions).And.Not.Contain(OnnxNames.LatentContribution),
            "ONNX Runtime computes every output of a graph: a model saved without the columns does not pay for them");
    }

    /// <summary>
    /// The fixture was saved when VaeColumns.All named the five columns; its options still say "All". Restored, it has
    /// those five: the columns its graph has outputs for.
    /// </summary>
    [Test]
    public void AModelSavedBeforeContributionsRestoresWithItsFiveColumns()
    {
        var ml = new MLContext(seed: 1);
        var loaded = ml.Model.Load(Path.Combine(AppContext.BaseDirectory, "reference", "fixtures-ml", "model.zip"), out _);
        var vae = VaeTransformer.FindIn(ml.Model.RestoreVariationalAutoencoder(loaded))!;
        Assert.That(vae, Is.Not.Null, "the restoring call finds the step");
        Assert.That(vae.Options.OutputColumns, Is.EqualTo(VaeColumns.Score | VaeColumns.PredictedLabel | VaeColumns.LatentMean | VaeColumns.Reconstruction | VaeColumns.NegElbo));
    }
}
