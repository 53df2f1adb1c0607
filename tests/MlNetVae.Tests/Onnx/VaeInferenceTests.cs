using MlNetVae.Onnx;
using MlNetVae.Scoring;
using NUnit.Framework;
using static MlNetVae.Tests.Onnx.OnnxTestModels;

namespace MlNetVae.Tests.Onnx;

/// <summary>The same model object gives the same answers on the managed engine and on ONNX Runtime.</summary>
public class VaeInferenceTests
{
    [Test]
    public void BothBackendsAgree([Values] Kind kind, [Values(1, 1000)] int batch)
    {
        var (model, all) = Get(kind, trained: true);
        var rows = all.Take(batch).ToArray();
        using var managed = new VaeInference(model, InferenceBackend.Managed, threads: 1);
        using var ort = new VaeInference(model, InferenceBackend.OnnxRuntime, threads: 1);
        var scale = model.Preprocessor.Scale;

        var (mean, logVar) = ort.Encode(rows);
        Closeness.Assert(mean, managed.Encode(rows).Mean, "mean");
        Closeness.Assert(logVar, managed.Encode(rows).LogVar, "log-variance");
        Closeness.Assert(ort.Decode(mean), managed.Decode(mean), "decode", scale);
        Closeness.Assert(ort.Reconstruct(rows), managed.Reconstruct(rows), "reconstruct", scale);
        var expected = AnomalyScorer.Fit(model, all).Score(rows); // the default score; Fit only because it needs two rows
        Closeness.Assert(ort.Score(rows), expected, "score (ORT)");
        Closeness.Assert(managed.Score(rows), expected, "score (managed, reused evaluator)");
    }
}
