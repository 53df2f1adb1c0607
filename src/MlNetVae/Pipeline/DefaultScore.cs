using MlNetVae.Vae;

namespace MlNetVae.Pipeline;

/// <summary>
/// The one place the pipeline, the CLI's <c>score</c> column and the model file take the default anomaly score
/// from (higher = more unusual). Until the Scoring module's default score lands, it is the deterministic negative
/// ELBO, which is also what scorer.onnx computes.
/// </summary>
internal static class DefaultScore
{
    /// <summary>The score's name, stored in the model file so a model is never scored with a different one.</summary>
    public const string Name = "neg_elbo";

    /// <summary>The default score of each row (raw units), in input order.</summary>
    public static double[] Compute(VaeModel model, IReadOnlyList<float[]> rows) => model.Score(rows).NegElbo;
}
