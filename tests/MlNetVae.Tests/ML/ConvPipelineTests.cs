using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.ML;
using MlNetVae.Scores;
using MlNetVae.Spec;
using MlNetVae.Tests.Graph;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>
/// An image model in an ML.NET pipeline as a user writes it: declaring the image shape alone picks the convolutional
/// defaults, and the transform gives the same columns whether the managed engine or ONNX Runtime computes them, before
/// and after Model.Save / Model.Load.
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

    /// <summary>A column as rows of values (a scalar column gives one value per row).</summary>
    private static float[][] Column(IDataView view, string name) => view.Schema[name].Type is VectorDataViewType
        ? view.GetColumn<float[]>(name).ToArray()
        : view.GetColumn<float>(name).Select(v => new[] { v }).ToArray();

    [Test]
    public void AnImageShapeAloneGivesAConvModelThatBothEnginesScoreAlikeBeforeAndAfterReload()
    {
        var ml = new MLContext(seed: 1);
        var train = Rows(ml, 96, seed: 1);
        var test = Rows(ml, 40, seed: 2);
        var options = new VaeOptions { ImageShape = [1, Side, Side], ConvChannels = [4, 8], Epochs = 2, Threads = 1 };
        var managed = ml.AnomalyDetection.Trainers.VariationalAutoencoder(options).Fit(train);

        Assert.That(managed.Model.Spec.Encoder.Take(2).All(l => l is ConvLayer), Is.True, "an image shape resolves to convolutions");
        Assert.That(managed.Score, Is.EqualTo(AnomalyScore.StandardizedSum), "images' default score");

        var onnx = managed.WithOptions(o => o with { Inference = InferenceEngine.OnnxRuntime });
        string path = Path.Combine(Path.GetTempPath(), $"conv-pipeline-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(managed, train.Schema, path);
            var reloaded = ml.Model.Load(path, out _);
            var a = managed.Transform(test);
            foreach (var (name, other) in new[] { ("onnxruntime", (ITransformer)onnx), ("reloaded", reloaded) })
            {
                var b = other.Transform(test);
                foreach (var column in new[] { "Score", "NegElbo", "LatentMean", "Reconstruction" })
                {
                    float[][] x = Column(a, column), y = Column(b, column);
                    Assert.That(y, Has.Length.EqualTo(x.Length), $"{name} {column} rows");
                    for (int r = 0; r < x.Length; r++)
                        for (int c = 0; c < x[r].Length; c++)
                            Assert.That(y[r][c], Is.EqualTo(x[r][c]).Within(1e-5 * (1 + Math.Abs(x[r][c]))), $"{name} {column} row {r} value {c}");
                }
                Assert.That(b.GetColumn<bool>("PredictedLabel").ToArray(), Is.EqualTo(a.GetColumn<bool>("PredictedLabel").ToArray()), $"{name} PredictedLabel");
            }
        }
        finally { File.Delete(path); }
    }
}
