using MlNetVae.Onnx.Proto;
using MlNetVae.Vae;

namespace MlNetVae.Onnx.Export;

/// <summary>What a score emitter may build on: the values the scorer graph computes before any score.</summary>
/// <param name="Standardized">The input in model units, [batch, D].</param>
/// <param name="Mean">Posterior means, [batch, K].</param>
/// <param name="LogVar">Clamped posterior log-variances, [batch, K].</param>
/// <param name="Output">The decoder's raw output at z = mean (logits, Gaussian means, category logits), [batch, D].</param>
internal readonly record struct ScorerParts(string Standardized, string Mean, string LogVar, string Output);

/// <summary>Emits the nodes of one score from the scorer's parts; the result, named <c>name</c>, is [batch, 1].</summary>
internal delegate string ScoreEmitter(GraphBuilder g, VaeModel model, ScorerParts parts, string name);

/// <summary>
/// scorer.onnx: features [batch, D] -> score [batch, 1], latent_mean [batch, K], reconstruction [batch, D],
/// neg_elbo [batch, 1]. The score is one <see cref="ScoreEmitter"/> (by default <see cref="CorrectedNegElboScore"/>,
/// the default anomaly score), so another score is another function; neg_elbo (<see cref="NegElboScore"/>) rides along.
/// The graph holds every parameter and the preprocessing, so the loader rebuilds a model from this file alone.
/// </summary>
internal static class ScorerExporter
{
    public static ModelProto Build(VaeModel model) => Build(model, CorrectedNegElboScore.Name, CorrectedNegElboScore.Emit);

    public static ModelProto Build(VaeModel model, string scoreKind, ScoreEmitter score)
    {
        var g = new GraphBuilder("scorer");
        var x = VaeGraph.Standardize(g, model, g.Input(OnnxNames.Features, model.Features));
        var (mean, logVar) = VaeGraph.Posterior(g, model, x, OnnxNames.LatentMean);
        // Deterministic scoring decodes z = mean: the managed z = mean + exp(logVar / 2) * 0 is exactly mean.
        var output = VaeGraph.Mlp(g, model.Decoder, mean);
        var parts = new ScorerParts(x, mean, logVar, output);
        score(g, model, parts, OnnxNames.Score);
        NegElboScore.Emit(g, model, parts, OnnxNames.NegElbo);
        VaeGraph.RawMean(g, model, output, OnnxNames.Reconstruction);
        // New outputs go last, so consumers that take the outputs by position keep working.
        g.Output(OnnxNames.Score, 1);
        g.Output(OnnxNames.LatentMean, model.LatentSize);
        g.Output(OnnxNames.Reconstruction, model.Features);
        g.Output(OnnxNames.NegElbo, 1);
        return g.Build(Metadata.ProducerVersion, Metadata.For(model, "scorer", scoreKind));
    }
}
