using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.ML;
using MlNetVae.Spec;
using MlNetVae.TestWriter;
using MlNetVae.Tests.Cli.Data;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>
/// The VAE as an ML.NET user meets it: a pipeline Concatenate, NormalizeMeanVariance, VAE that fits, transforms,
/// evaluates with AnomalyDetection.Evaluate, saves with Model.Save, and reloads in a new process.
/// </summary>
public class PipelineTests
{
    private static readonly SensorRow[] Train = SensorRows.Make(600, seed: 1);
    private static readonly SensorRow[] Test = SensorRows.Make(300, seed: 2, anomalyEvery: 10);

    private static readonly Lazy<ITransformer> Managed = new(() => Fit(SensorRows.Tiny));
    private static readonly Lazy<ITransformer> Onnx = new(() => Fit(SensorRows.Tiny with { Inference = InferenceEngine.OnnxRuntime }));

    private static ITransformer Fit(VaeOptions options)
    {
        var ml = new MLContext(seed: 1);
        return SensorRows.Pipeline(ml, options).Fit(ml.Data.LoadFromEnumerable(Train));
    }

    [Test]
    public void ThePipelineAddsTheFiveColumnsAndEvaluatesAsAnAnomalyDetector()
    {
        var ml = new MLContext(seed: 1);
        var scored = Managed.Value.Transform(ml.Data.LoadFromEnumerable(Test));
        var added = scored.Schema.Skip(scored.Schema.Count - 5).Select(c => (c.Name, c.Type.ToString())).ToArray();
        Assert.That(added, Is.EqualTo(new[]
        {
            ("Score", "Single"), ("PredictedLabel", "Boolean"), ("LatentMean", "Vector<Single, 1, 2>"),
            ("Reconstruction", "Vector<Single, 1, 4>"), ("NegElbo", "Single"),
        }));
        var metrics = ml.AnomalyDetection.Evaluate(scored);
        TestContext.Out.WriteLine($"AUROC {metrics.AreaUnderRocCurve:F4}, detection rate at 3 false positives {metrics.DetectionRateAtFalsePositiveCount:F4}");
        Assert.That(metrics.AreaUnderRocCurve, Is.GreaterThan(0.95), "the 30 anomalies break the pattern by 12 standard deviations of D");
        var flagged = scored.GetColumn<bool>("PredictedLabel").ToArray();
        var labels = scored.GetColumn<float>("Label").ToArray();
        Assert.That(Enumerable.Range(0, flagged.Length).Count(i => flagged[i] && labels[i] == 1), Is.GreaterThan(20), "anomalies flagged");
    }

    [TestCase(InferenceEngine.Managed)]
    [TestCase(InferenceEngine.OnnxRuntime)]
    public void ASavedPipelineReloadsInANewProcessWithTheSameColumnsAndValues(InferenceEngine inference)
    {
        var model = inference == InferenceEngine.Managed ? Managed.Value : Onnx.Value;
        using var files = new Files();
        var ml = new MLContext(seed: 1);
        var training = ml.Data.LoadFromEnumerable(Train);
        ml.Model.Save(model, training.Schema, files["model.zip"]);
        SensorRows.WriteTsv(files["test.tsv"], Test);

        var (code, stdout, stderr) = ChildProcess.TestWriter(120, "dump", files["model.zip"], files["test.tsv"]);
        Assert.That(code, Is.EqualTo(0), stderr);
        var reloaded = JsonSerializer.Deserialize<ViewDump.Table>(stdout)!;
        var here = ViewDump.Of(model.Transform(ViewDump.LoadTsv(ml, files["test.tsv"], training.Schema)));

        var vae = SensorRows.Vae(model);
        var d = Tables.Compare(here, reloaded, "Score", "PredictedLabel", vae.Threshold.Value);
        TestContext.Out.WriteLine($"{inference}: {d.Numbers} numbers, {d.NotBitIdentical} not bit-identical, max relative difference {d.MaxRelative:G3}, {d.LabelsFlippedNearThreshold} flags flipped at the threshold");
        Assert.That(reloaded.Schema.Select(c => c.Name).TakeLast(5), Is.EqualTo(new[] { "Score", "PredictedLabel", "LatentMean", "Reconstruction", "NegElbo" }));
        if (inference == InferenceEngine.OnnxRuntime)
            Assert.That(d.NotBitIdentical, Is.Zero, "ONNX Runtime in both processes on the same graph");
    }

    [Test]
    public void PredictionEngineAgreesWithTransformRowForRow()
    {
        var ml = new MLContext(seed: 1);
        var model = Managed.Value;
        var transformed = ViewDump.Of(model.Transform(ml.Data.LoadFromEnumerable(Test)));
        // The engine's rows, laid out as the transform's table: input columns as given, the VAE's from the engine.
        using var engine = ml.Model.CreatePredictionEngine<SensorRow, VaePrediction>(model);
        var rows = Test.Select((row, i) =>
        {
            var p = engine.Predict(row);
            var cells = (string[])transformed.Rows[i].Clone();
            cells[^5..].AsSpan().Clear();
            string[] mine = [ViewDump.Number(p.Score), p.PredictedLabel ? "True" : "False", string.Join(' ', p.LatentMean.Select(ViewDump.Number)),
                string.Join(' ', p.Reconstruction.Select(ViewDump.Number)), ViewDump.Number(p.NegElbo)];
            mine.CopyTo(cells, cells.Length - 5);
            return cells;
        }).ToArray();
        var d = Tables.Compare(transformed, transformed with { Rows = rows }, "Score", "PredictedLabel", SensorRows.Vae(model).Threshold.Value);
        TestContext.Out.WriteLine($"PredictionEngine vs Transform: {d.Numbers} numbers, {d.NotBitIdentical} not bit-identical, max relative difference {d.MaxRelative:G3}");
    }
}
