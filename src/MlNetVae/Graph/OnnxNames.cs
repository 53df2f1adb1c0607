namespace MlNetVae;

/// <summary>The input and output names of the exported graphs: the contract in onnx/CONTRACT.md.</summary>
public static class OnnxNames
{
    /// <summary>Raw feature rows [batch, D], input of encoder.onnx and scorer.onnx.</summary>
    public const string Features = "features";

    /// <summary>Posterior means [batch, K], output of encoder.onnx and scorer.onnx.</summary>
    public const string LatentMean = "latent_mean";

    /// <summary>Posterior log-variances [batch, K], clamped to ±LogVarClamp, output of encoder.onnx.</summary>
    public const string LatentLogVar = "latent_log_var";

    /// <summary>Latent rows [batch, K], input of decoder.onnx.</summary>
    public const string Latent = "latent";

    /// <summary>The likelihood's mean in raw feature units [batch, D], output of decoder.onnx and scorer.onnx.</summary>
    public const string Reconstruction = "reconstruction";

    /// <summary>The anomaly score [batch, 1] (higher is more unusual), output of scorer.onnx.</summary>
    public const string Score = "score";

    /// <summary>The deterministic negative ELBO [batch, 1], in nats, output of scorer.onnx.</summary>
    public const string NegElbo = "neg_elbo";

    /// <summary>score &gt; threshold [batch, 1] (boolean), output of scorer.onnx when the model has a threshold.</summary>
    public const string PredictedLabel = "predicted_label";

    /// <summary>
    /// Each row's score split over its explained features [batch, F] (input columns with a one-hot group counted once;
    /// pixels for images), summing to the score's feature part, output of scorer.onnx (onnx/CONTRACT.md says how each score splits).
    /// </summary>
    public const string FeatureContributions = "feature_contributions";

    /// <summary>The rest of the score [batch, 1], the part no feature owns (the KL or the latent distance), output of scorer.onnx.</summary>
    public const string LatentContribution = "latent_contribution";

    /// <summary>File names <see cref="OnnxExport.SaveAll"/> writes.</summary>
    public const string EncoderFile = "encoder.onnx", DecoderFile = "decoder.onnx", ScorerFile = "scorer.onnx";
}
