using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.ML;
using MlNetVae.Spec;
using MlNetVae.Tests.Cli.Data;
using MlNetVae.TestWriter;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>
/// The VAE as an ML.NET user meets it: a pipeline Concatenate, NormalizeMeanVariance, VAE that fits, transforms,
/// evaluates with AnomalyDetection.Evaluate, saves with Model.Save, and reloads in a new process.
/// </summary>
public class PipelineTests
{
    internal static readonly SensorRow[] Train = SensorRows.Make(600, seed: 1);
    internal static readonly SensorRow[] Test = SensorRows.Make(300, seed: 2, anomalyEvery: 10);

    private static readonly Lazy<ITransformer> Managed = new(() => Fit(SensorRows.Tiny));
    private static readonly Lazy<ITransformer> Onnx = new(() => Fit(SensorRows.Tiny with { Inference = InferenceEngine.OnnxRuntime }));

    internal static ITransformer Fit(VaeOptions options)
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

    // ML.NET's ApplyOnnxModel given a stream copies it to a temporary file it never deletes; saving went through it, so
    // every Model.Save left the scorer graph behind (this machine's /tmp held 4,112 of them). The test points the
    // temporary folder at a fresh one for the save and reload.
    [Test]
    public void SavingAndLoadingLeaveNothingInTheTemporaryFolder()
    {
        using var files = new Files();
        string temp = Directory.CreateDirectory(files["tmp"]).FullName, before = Environment.GetEnvironmentVariable("TMPDIR") ?? "";
        Environment.SetEnvironmentVariable("TMPDIR", temp);
        try
        {
            Assert.That(Path.GetTempPath().TrimEnd('/'), Is.EqualTo(temp), "the temporary folder follows TMPDIR");
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(Test);
            ml.Model.Save(Managed.Value, data.Schema, files["model.zip"]);
            var loaded = ml.Model.Load(files["model.zip"], out _);
            Assert.That(loaded.Transform(data).GetColumn<float>("Score").Count(), Is.EqualTo(Test.Length));
            (loaded as IDisposable)?.Dispose();
            Assert.That(Directory.GetFileSystemEntries(temp), Is.Empty, "files left in the temporary folder");

            // What a save killed with kill -9 leaves: removed by the next save once old enough, a recent one kept.
            string stale = Path.Combine(temp, "mlnetvae-scorer-0123456789abcdef0123456789abcdef.onnx"), recent = stale.Replace("0123", "4567");
            File.WriteAllText(stale, "");
            File.WriteAllText(recent, "");
            File.SetLastWriteTimeUtc(stale, DateTime.UtcNow - TimeSpan.FromHours(2));
            ml.Model.Save(Managed.Value, data.Schema, files["model.zip"]);
            Assert.That(Directory.GetFileSystemEntries(temp), Is.EqualTo(new[] { recent }), "the stale file removed, the recent one kept");
        }
        finally
        {
            Environment.SetEnvironmentVariable("TMPDIR", before.Length == 0 ? null : before);
        }
    }

    [TestCase(InferenceEngine.Managed)]
    [TestCase(InferenceEngine.OnnxRuntime)]
    public void ASavedPipelineReloadsInANewProcessWithTheSameColumnsAndValues(InferenceEngine inference)
    {
        var model = inference == InferenceEngine.Managed ? Managed.Value : Onnx.Value;
        using var files = new Files();
        var ml = new MLContext(seed: 1);
        var training = SaveWithTheTestRows(ml, model, files);

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

    /// <summary>
    /// Reloaded = fitted: after mlContext.Model.Load and the one restoring call, in a new process, the pipeline has the
    /// fitted one's columns and types, the same values to the bit (the same managed engine on the same weights), the same
    /// threshold, score and options, and the same errors for a NaN row, an infinite row and a too-narrow feature column.
    /// </summary>
    [Test]
    public void ARestoredPipelineInANewProcessIsTheFittedOne()
    {
        var model = Managed.Value;
        using var files = new Files();
        var ml = new MLContext(seed: 1);
        var training = SaveWithTheTestRows(ml, model, files);
        SensorRows.WriteTsv(files["nan.tsv"], [Test[0] with { B = float.NaN }, .. Test[1..4]]);
        SensorRows.WriteTsv(files["inf.tsv"], [.. Test[..2], Test[2] with { C = float.NegativeInfinity }]);
        string[] bad = [files["nan.tsv"], files["inf.tsv"]];

        var (code, stdout, stderr) = ChildProcess.TestWriter(120, "restored", files["model.zip"], files["test.tsv"], bad[0], bad[1]);
        Assert.That(code, Is.EqualTo(0), stderr);
        var restored = JsonSerializer.Deserialize<PipelineBehaviour>(stdout)!;
        var fitted = PipelineBehaviour.Observe(model, path => ViewDump.LoadTsv(ml, path, training.Schema), files["test.tsv"], bad);

        Assert.That(restored.Table.Schema, Is.EqualTo(fitted.Table.Schema), "columns, types and hidden columns");
        var d = Tables.Compare(fitted.Table, restored.Table, "Score", "PredictedLabel", SensorRows.Vae(model).Threshold.Value);
        TestContext.Out.WriteLine($"restored vs fitted: {d.Numbers} numbers, {d.NotBitIdentical} not bit-identical");
        Assert.That(d.NotBitIdentical, Is.Zero, "the same engine on the same weights");
        Assert.That((restored.Threshold, restored.Score, restored.Options), Is.EqualTo((fitted.Threshold, fitted.Score, fitted.Options)));
        Assert.That(restored.BadRows, Is.EqualTo(fitted.BadRows));
        Assert.That(restored.NarrowColumn, Is.EqualTo(fitted.NarrowColumn));
        Assert.That(fitted.BadRows, Is.EqualTo(new[]
        {
            "InvalidDataException: column 'Features', row 0, slot 1: expected a finite number, found NaN",
            "InvalidDataException: column 'Features', row 2, slot 2: expected a finite number, found -Infinity",
        }));
        Assert.That(fitted.NarrowColumn, Does.StartWith("ArgumentOutOfRangeException: column 'Features' has 3 slots; the model was trained on 4"));
    }

    /// <summary>The managed pipeline saved with mlContext.Model.Save and loaded back with mlContext.Model.Load.</summary>
    /// <summary>
    /// Saves <paramref name="model"/> as files["model.zip"] and <see cref="Test"/> as files["test.tsv"], what a child
    /// process reads back; returns the view the model was saved with (the training rows) for reading the TSV here.
    /// </summary>
    internal static IDataView SaveWithTheTestRows(MLContext ml, ITransformer model, Files files)
    {
        var training = ml.Data.LoadFromEnumerable(Train);
        ml.Model.Save(model, training.Schema, files["model.zip"]);
        SensorRows.WriteTsv(files["test.tsv"], Test);
        return training;
    }

    private static ITransformer SavedAndLoaded(MLContext ml)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(Managed.Value, ml.Data.LoadFromEnumerable(Train).Schema, stream);
        stream.Position = 0;
        return ml.Model.Load(stream, out _);
    }

    /// <summary>Without the restoring call, ML.NET's loader alone still refuses a row that is not finite, naming the slot, instead of scoring it.</summary>
    [Test]
    public void ALoadedPipelineRefusesANaNOrInfiniteRowInsteadOfScoringIt()
    {
        var ml = new MLContext(seed: 1);
        var loaded = SavedAndLoaded(ml);
        foreach (var (row, slot, value) in new[] { (Test[0] with { B = float.NaN }, 1, "NaN"), (Test[0] with { D = float.PositiveInfinity }, 3, "Infinity") })
        {
            var view = loaded.Transform(ml.Data.LoadFromEnumerable([row]));
            // ML.NET's parallel cursors wrap an exception from a worker; the VAE's is the innermost.
            static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
            foreach (var column in new[] { "Score", "PredictedLabel", "NegElbo" })
            {
                TestDelegate read = column == "PredictedLabel" ? () => view.GetColumn<bool>(column).ToArray() : () => view.GetColumn<float>(column).ToArray();
                Assert.That(Innermost(Assert.Catch(read)!), Is.InstanceOf<InvalidDataException>()
                    .With.Message.EqualTo($"the VAE's feature column, slot {slot}: expected a finite number, found {value}"), column);
            }
        }
    }

    /// <summary>The threshold of a loaded model is readable and can be changed, as ML.NET's ChangeModelThreshold does for its detectors.</summary>
    [Test]
    public void ALoadedModelIsReThresholded()
    {
        var ml = new MLContext(seed: 1);
        var loaded = SavedAndLoaded(ml);
        var test = ml.Data.LoadFromEnumerable(Test);
        var scores = loaded.Transform(test).GetColumn<float>("Score").ToArray();
        float threshold = scores.Order().ElementAt(scores.Length / 2);
        var changed = ml.AnomalyDetection.ChangeModelThreshold(loaded, threshold);
        Assert.That(VaeTransformer.FindIn(changed)!.Threshold, Is.EqualTo(new AnomalyThreshold(threshold, ThresholdMethod.Manual, 0)));
        var flags = changed.Transform(test).GetColumn<bool>("PredictedLabel").ToArray();
        Assert.That(flags, Is.EqualTo(scores.Select(s => s > threshold).ToArray()));
        Assert.That(() => ml.AnomalyDetection.ChangeModelThreshold(ml.Transforms.CopyColumns("X", "A").Fit(test), 1f),
            Throws.ArgumentException.With.Message.StartsWith("the model holds no VariationalAutoencoder step"));
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
