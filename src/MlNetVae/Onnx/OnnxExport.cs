using Google.Protobuf;
using MlNetVae.Graph;
using MlNetVae.Onnx.Proto;
using MlNetVae.Scores;
using MlNetVae.Spec;

namespace MlNetVae.Onnx;

/// <summary>What scorer.onnx computes and carries.</summary>
/// <param name="Score">The anomaly score of the <c>score</c> output; null = the model's own (<see cref="VaeSpec.Score"/>). The scores that need fitted statistics need the model to have them.</param>
/// <param name="Outputs">The outputs to include.</param>
/// <param name="Threshold">When set, a boolean <c>predicted_label</c> output = score &gt; threshold.</param>
/// <param name="Metadata">Extra metadata_props (keys other than MlNetVae's own).</param>
/// <param name="NamePrefix">Prefixed to the input and output names (the copy inside an ML.NET model uses <c>vae_</c>, so its columns cannot clash with the user's).</param>
public sealed record ScorerExportOptions(
    AnomalyScore? Score = null,
    ScorerOutputs Outputs = ScorerOutputs.Score | ScorerOutputs.LatentMean | ScorerOutputs.Reconstruction | ScorerOutputs.NegElbo,
    float? Threshold = null,
    IReadOnlyDictionary<string, string>? Metadata = null,
    string NamePrefix = "");

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
        var r = ScorerGraph.Record(o, model.Spec, o.Input(OnnxNames.Features, model.Features), ScorerOutputs.LatentMean | ScorerOutputs.LatentLogVar, AnomalyScore.CorrectedNegElbo);
        o.Output(r[ScorerOutputs.LatentMean], OnnxNames.LatentMean);
        o.Output(r[ScorerOutputs.LatentLogVar], OnnxNames.LatentLogVar);
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
    /// neg_elbo [batch, 1] by default (<paramref name="options"/> picks the score and the outputs). It holds every
    /// tensor of the model, so the model can be read back from this file alone (<see cref="OnnxImport"/>).
    /// </summary>
    public static byte[] Scorer(VaeModelParameters model, ScorerExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new ScorerExportOptions();
        var score = options.Score ?? model.Spec.Score;
        if (ScoreStatistics.Missing(model.Spec, model.SharedStatistics, score) is { } missing) throw new ArgumentException(missing);
        var (g, o) = Start(model, "scorer");
        var wanted = options.Outputs | (options.Threshold is null ? 0 : ScorerOutputs.Score);
        string prefix = options.NamePrefix;
        var r = ScorerGraph.Record(o, model.Spec, o.Input(prefix + OnnxNames.Features, model.Features), wanted, score);
        foreach (var (flag, name) in OnnxNames.ScorerOutputs)
            if (options.Outputs.HasFlag(flag)) o.Output(r[flag], prefix + name);
        if (options.Threshold is float threshold) o.GreaterOutput(r[ScorerOutputs.Score], threshold, prefix + OnnxNames.PredictedLabel);
        // Every tensor goes in, used by this graph or not, so that the file is a whole model.
        foreach (var t in model.Spec.Tensors) o.Buffer(t.Name);
        foreach (var name in model.SharedStatistics?.Names ?? []) o.Buffer(name);
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
