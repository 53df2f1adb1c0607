using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.ML;
using MlNetVae.Spec;
using MlNetVae.Tests.Cli.Data;
using MlNetVae.Tests.Graph;
using MlNetVae.TestWriter;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>
/// An image model in an ML.NET pipeline as a user writes it: declaring the image shape alone picks the convolutional
/// defaults, and the transform gives the same columns whether the managed engine or ONNX Runtime computes them, before
/// and after Model.Save / Model.Load (numbers within float32 rounding, flags equal away from the threshold), in this
/// process and in a new one; with the contribution columns, the anomaly map (one value per pixel) too.
/// </summary>
public class ConvPipelineTests
{
    private const int Side = 8, Width = Side * Side;

    private sealed class Image
    {
        [VectorType(Width)] public float[] Features { get; set; } = [];
    }

    private static IDataView Rows(MLContext ml, int count, int seed)
    {
        var flat = TestData.UnitRows(count, Width, seed);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(i => new Image { Features = flat.AsSpan(i * Width, Width).ToArray() }));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AnImageShapeAloneGivesAConvModelThatBothEnginesScoreAlikeBeforeAndAfterReload(bool contributions)
    {
        var ml = new MLContext(seed: 1);
        var train = Rows(ml, 96, seed: 1);
        var test = Rows(ml, 40, seed: 2);
        var options = new VaeOptions { ImageShape = [1, Side, Side], ConvChannels = [4, 8], Epochs = 2, Threads = 1 };
        if (contributions) options = options with { OutputColumns = VaeColumns.All };
        var managed = ml.AnomalyDetection.Trainers.VariationalAutoencoder(options).Fit(train);

        Assert.That(managed.Model.Spec.Encoder.Take(2).All(l => l is ConvLayer), Is.True, "an image shape resolves to convolutions");
        Assert.That(managed.AnomalyScore, Is.EqualTo(AnomalyScore.StructuralMultiscaleSum), "images' default score");

        var onnx = managed.WithOptions(o => o with { Inference = InferenceEngine.OnnxRuntime });
        using var files = new Files();
        ml.Model.Save(managed, train.Schema, files["model.zip"]);
        var reloaded = ml.Model.Load(files["model.zip"], out _);
        var here = ViewDump.Of(managed.Transform(test));
        if (contributions)
        {
            var scored = managed.Transform(test);
            Assert.That(scored.Schema["FeatureContributions"].Type.ToString(), Is.EqualTo($"Vector<Single, 1, {Width}>"), "one value per pixel");
            var score = scored.GetColumn<float>("Score").ToArray();
            var map = scored.GetColumn<float[]>("FeatureContributions").ToArray();
            var latent = scored.GetColumn<float>("LatentContribution").ToArray();
            for (int i = 0; i < score.Length; i++)
                Assert.That(map[i].Sum() + latent[i], Is.EqualTo(score[i]).Within(1e-4 * Math.Max(1, Math.Abs(score[i]))), $"row {i}: the map and the latent part add up");
        }
        foreach (var (name, other) in new[] { ("onnxruntime", (ITransformer)onnx), ("reloaded", reloaded) })
        {
            var d = Tables.Compare(here, ViewDump.Of(other.Transform(test)), "Score", "PredictedLabel", managed.Threshold.Value);
            TestContext.Out.WriteLine($"{name}: {d.Numbers} numbers, max relative difference {d.MaxRelative:G3}, {d.LabelsFlippedNearThreshold} flags flipped at the threshold");
        }

        // A service loads the saved file in its own process: the image statistics (one usual error level per pixel
        // among them) travel in the file, so loading (ONNX Runtime) and restoring (the managed engine) give the fitted columns.
        WriteTsv(files["test.tsv"], test);
        var (code, stdout, stderr) = ChildProcess.TestWriter(120, "dump", files["model.zip"], files["test.tsv"]);
        Assert.That(code, Is.EqualTo(0), stderr);
        var loaded = Tables.Compare(here, JsonSerializer.Deserialize<ViewDump.Table>(stdout)!, "Score", "PredictedLabel", managed.Threshold.Value);
        TestContext.Out.WriteLine($"loaded in a new process: {loaded.Numbers} numbers, max relative difference {loaded.MaxRelative:G3}");
        (code, stdout, stderr) = ChildProcess.TestWriter(120, "restored", files["model.zip"], files["test.tsv"]);
        Assert.That(code, Is.EqualTo(0), stderr);
        var restored = JsonSerializer.Deserialize<PipelineBehaviour>(stdout)!;
        Assert.That(restored.Score, Is.EqualTo(nameof(AnomalyScore.StructuralMultiscaleSum)));
        Assert.That(Tables.Compare(here, restored.Table, "Score", "PredictedLabel", managed.Threshold.Value).NotBitIdentical, Is.Zero,
            "restored in a new process: the same engine on the same weights and statistics");
    }

    /// <summary>The rows' features as a tab-separated file with a header, as the test writer's loader reads them.</summary>
    private static void WriteTsv(string path, IDataView rows)
    {
        var lines = rows.GetColumn<float[]>("Features").Select(v => string.Join('\t', v.Select(x => x.ToString("R", CultureInfo.InvariantCulture))));
        File.WriteAllLines(path, [string.Join('\t', Enumerable.Range(0, Width).Select(i => $"f{i}")), .. lines]);
    }
}
