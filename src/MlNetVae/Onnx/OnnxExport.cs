using Google.Protobuf;
using MlNetVae.Graph;
using MlNetVae.Onnx;
using MlNetVae.Onnx.Proto;
using MlNetVae.Spec;

namespace MlNetVae;

/// <summary>What scorer.onnx computes and carries.</summary>
/// <param name="Score">The anomaly score of the <c>score</c> output; null = the model's own (<see cref="VaeSpec.Score"/>). The scores that need
/// fitted statistics need the model to have them.</param>
/// <param name="Threshold">When set, a boolean <c>predicted_label</c> output = score &gt; threshold.</param>
/// <param name="Metadata">Extra metadata_props (keys other than MlNetVae's own).</param>
/// <param name="NamePrefix">Prefixed to the input and output names (the copy inside an ML.NET model uses <c>vae_</c>, so its columns cannot clash
/// with the user's).</param>
/// <param name="Contributions">
/// The <c>feature_contributions</c> and <c>latent_contribution</c> outputs (the score split over the features). ONNX Runtime
/// computes every output of a graph on every run, fetched or not, so a graph only for scoring may leave them out.
/// </param>
public sealed record ScorerExportOptions(
    AnomalyScore? Score = null,
    float? Threshold = null,
    IReadOnlyDictionary<string, string>? Metadata = null,
    string NamePrefix = "",
    bool Contributions = true);

/// <summary>
/// Writes a model as ONNX graphs (IR 8, opset 17; onnx/CONTRACT.md): each graph is recorded by running the model's
/// own formulas through <see cref="OnnxOps"/>, so it computes exactly what the managed engine computes. Every graph
/// takes raw features (standardization inside), has a dynamic batch dimension, and carries metadata and a content hash.
/// </summary>
public static class OnnxExport
{
    /// <summary>encoder.onnx: features [batch, D] -> latent_mean, latent_log_var [batch, K].</summary>
    public static byte[] Encoder(VaeModelParameters model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (g, o) = Start(model, "encoder");
        var pass = new ForwardPass<string>(o, model.Spec, o.Input(OnnxNames.Features, model.Features));
        foreach (var output in new[] { VaeOutput.LatentMean, VaeOutput.LatentLogVar })
            o.Output(output.Record(o, model.Spec, pass, null), output.OnnxName);
        return Finish(g, model.Spec, "encoder", null, null);
    }

    /// <summary>decoder.onnx: latent [batch, K] -> reconstruction [batch, D], the likelihood's mean in raw units.</summary>
    public static byte[] Decoder(VaeModelParameters model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (g, o) = Start(model, "decoder");
        var output = Network.Decode(o, model.Spec, o.Input(OnnxNames.Latent, model.LatentSize));
        o.Output(Network.RawMean(o, model.Spec, output), OnnxNames.Reconstruction);
        return Finish(g, model.Spec, "decoder", null, null);
    }

    /// <summary>
    /// scorer.onnx: features [batch, D] -> score [batch, 1], latent_mean [batch, K], reconstruction [batch, D],
    /// neg_elbo [batch, 1], predicted_label [batch, 1] when <paramref name="options"/> sets a threshold, then (unless the
    /// options leave them out) feature_contributions [batch, F] and latent_contribution [batch, 1]. Every output
    /// together reads every tensor of the model, so the model can be read back from this file alone (<see cref="OnnxImport"/>);
    /// of the fitted statistics it holds those its score reads, and nothing unused.
    /// </summary>
    public static byte[] Scorer(VaeModelParameters model, ScorerExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new ScorerExportOptions();
        var score = options.Score ?? model.Spec.Score;
        if (ScoreStatistics.Missing(model.Spec, model.SharedStatistics, score) is { } missing) throw new ArgumentException(missing);
        var (g, o) = Start(model, "scorer");
        string prefix = options.NamePrefix;
        var pass = new ForwardPass<string>(o, model.Spec, o.Input(prefix + OnnxNames.Features, model.Features));
        string? scoreValue = null;
        foreach (var output in VaeOutput.GraphOrder)
        {
            if (output.Kind == OutputKind.Flag)
            {
                if (options.Threshold is float threshold) o.GreaterOutput(scoreValue!, threshold, prefix + output.OnnxName);
                continue;
            }
            if (!options.Contributions && (output.Column & VaeColumns.Contributions) != 0) continue;
            var value = output.Record(o, model.Spec, pass, score);
            if (output == VaeOutput.Score) scoreValue = value;
            o.Output(value, prefix + output.OnnxName);
        }
        foreach (var t in model.Spec.Tensors)
            if (!o.Has(t.Name)) throw new InvalidOperationException($"the scorer graph does not read '{t.Name}', so the file would not hold the whole model");
        return Finish(g, model.Spec, "scorer", score, options.Metadata);
    }

    /// <summary>Writes encoder.onnx, decoder.onnx and scorer.onnx into <paramref name="directory"/> (created if missing).</summary>
    public static void SaveAll(VaeModelParameters model, string directory, ScorerExportOptions? scorer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, OnnxNames.EncoderFile), Encoder(model));
        File.WriteAllBytes(Path.Combine(directory, OnnxNames.DecoderFile), Decoder(model));
        File.WriteAllBytes(Path.Combine(directory, OnnxNames.ScorerFile), Scorer(model, scorer));
    }

    private static (GraphBuilder Graph, OnnxOps Ops) Start(VaeModelParameters model, string name)
    {
        var g = new GraphBuilder(name);
        return (g, new OnnxOps(g, model.SharedState, model.SharedStatistics));
    }

    private static byte[] Finish(GraphBuilder g, VaeSpec spec, string graph, AnomalyScore? score, IReadOnlyDictionary<string, string>? extra)
    {
        var bytes = g.Build(Metadata.ProducerVersion, Metadata.For(spec, graph, score, extra)).ToByteArray();
        Hashing.Stamp(bytes);
        return bytes;
    }
}
