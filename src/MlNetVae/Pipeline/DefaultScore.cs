using MlNetVae.Scoring;
using MlNetVae.Vae;

namespace MlNetVae.Pipeline;

/// <summary>
/// The one place the pipeline, the CLI's <c>score</c> column and the model file take the default anomaly score
/// from (higher = more unusual): <see cref="AnomalyScorer.DefaultScore"/>, the reconstruction divergence at z =
/// posterior mean plus the closed-form KL. It needs no fitted state, and it is what scorer.onnx's <c>score</c> computes.
/// </summary>
internal static class DefaultScore
{
    /// <summary>
    /// The score's name, stored in the model file (and as scorer.onnx's metadata <c>score</c>), so a model written
    /// when another score was the default is rejected instead of being scored on a different scale.
    /// </summary>
    public const string Name = Onnx.Export.CorrectedNegElboScore.Name;

    /// <summary>The default score of each row (raw units), in input order; equal to <c>AnomalyScorer.Score(rows)</c>.</summary>
    public static double[] Compute(VaeModel model, IReadOnlyList<float[]> rows) => CorrectedNegElboEvaluator.Score(model, rows);
}
