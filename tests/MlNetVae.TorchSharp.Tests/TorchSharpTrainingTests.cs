using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetVae.Inference;
using MlNetVae.ML;
using MlNetVae.Onnx;
using MlNetVae.Spec;
using MlNetVae.Training;
using NUnit.Framework;

namespace MlNetVae.TorchSharp.Tests;

/// <summary>
/// Whole training runs with <see cref=""torchsharp""/>: through the one training loop they match the
/// managed engine, and the model they give is an ordinary model to the managed scorer, the ONNX exporter, ONNX Runtime
/// and the ML.NET transform.
/// </summary>
public sealed class TorchSharpTrainingTests
{
    // A table of Gaussian columns and one 3-way categorical column at features 9..11.
    private static readonly SmallModel Table = SmallModels.Mixed();
    private static readonly VaeOptions Options = new()
    {
        EncoderHidden = [24, 12], LatentSize = 3, Epochs = 4, BatchSize = 32, CategoricalGroups = [(9, 3)],
        ValidationFraction = 0.25f, Patience = 2, Threads = 1, Seed = 3,
    };

    [Test]
    public void VaeTrainer_with_torchsharp_follows_the_managed_engine_epoch_by_epoch()
    {
        var (managedModel, managed) = VaeTrainer.Train(Table.Rows, Table.Spec.Features, Options with { Backend = TrainingBackends.Managed });
        var (torchModel, torch) = VaeTrainer.Train(Table.Rows, Table.Spec.Features, Options with { Backend = "torchsharp" });

        Assert.That((managed.Backend, torch.Backend), Is.EqualTo(("managed", "torchsharp")));
        Assert.That(torch.History, Has.Count.EqualTo(managed.History.Count));
        for (int e = 0; e < managed.History.Count; e++)
        {
            Assert.That(torch.History[e].Loss, Is.EqualTo(managed.History[e].Loss).Within(1e-4).Percent, $"epoch {e + 1} loss");
            Assert.That(torch.History[e].ValidationNegElbo!.Value, Is.EqualTo(managed.History[e].ValidationNegElbo!.Value).Within(1e-4).Percent, $"epoch {e + 1} validation");
        }
        Assert.That(torch.BestEpoch, Is.EqualTo(managed.BestEpoch));
        var (a, b) = (managedModel.State, torchModel.State);
        Assert.That(b.Names, Is.EqualTo(a.Names));
        foreach (var name in a.Names)
        {
            Assert.That(b[name].Shape, Is.EqualTo(a[name].Shape), name);
            Assert.That(b[name].Data, Is.EqualTo(a[name].Data).Within(1e-5f), name);
        }
    }

    [Test]
    public void A_torchsharp_model_scores_the_same_through_the_ml_net_transform_onnx_runtime_and_its_onnx_export()
    {
        int d = Table.Spec.Features, n = Table.Count;
        var ml = new MLContext(seed: 1);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, n).Select(i => new Row { Features = Table.Rows.AsSpan(i * d, d).ToArray() }), schema);

        var transformer = ml.AnomalyDetection.Trainers.VariationalAutoencoder(Options with { Backend = "torchsharp" }).Fit(data);
        Assert.That(transformer.Training!.Backend, Is.EqualTo("torchsharp"));
        Assert.That(transformer.Model.State.Names, Is.EqualTo(transformer.Model.Spec.Tensors.Select(t => t.Name)));

        var managed = Columns(transformer.Transform(data));
        var onnxTransform = Columns(transformer.WithOptions(o => o with { Inference = InferenceEngine.OnnxRuntime }).Transform(data));
        using var session = new InferenceSession(OnnxExport.Scorer(transformer.Model, new ScorerExportOptions(Score: transformer.AnomalyScore)));
        using var outputs = session.Run([NamedOnnxValue.CreateFromTensor(OnnxNames.Features, new DenseTensor<float>(Table.Rows, [n, d]))]);
        float[] Output(string name) => outputs.Single(o => o.Name == name).AsTensor<float>().ToArray();
        var onnx = (Output(OnnxNames.Score), Output(OnnxNames.LatentMean), Output(OnnxNames.Reconstruction), Output(OnnxNames.NegElbo));

        foreach (var other in new[] { onnxTransform, onnx })
        {
            Assert.That(other.Item1, Is.EqualTo(managed.Score).Within(1e-4).Percent, "score");
            Assert.That(other.Item2, Is.EqualTo(managed.LatentMean).Within(1e-4f), "latent mean");
            Assert.That(other.Item3, Is.EqualTo(managed.Reconstruction).Within(1e-4f), "reconstruction");
            Assert.That(other.Item4, Is.EqualTo(managed.NegElbo).Within(1e-4).Percent, "negative ELBO");
        }
        // And the managed scorer outside ML.NET agrees with the transform.
        var (reconstruction, kl) = new VaeInference(transformer.Model, threads: 1).Elbo(Table.Rows);
        Assert.That(reconstruction.Zip(kl, (r, k) => (float)(r + k)), Is.EqualTo(managed.NegElbo).Within(1e-4).Percent);
    }

    private static (float[] Score, float[] LatentMean, float[] Reconstruction, float[] NegElbo) Columns(IDataView scored) => (
        scored.GetColumn<float>("Score").ToArray(),
        scored.GetColumn<float[]>("LatentMean").SelectMany(v => v).ToArray(),
        scored.GetColumn<float[]>("Reconstruction").SelectMany(v => v).ToArray(),
        scored.GetColumn<float>("NegElbo").ToArray());

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }
}
