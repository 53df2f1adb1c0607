namespace MlNetVae.Pipeline;

/// <summary>What <see cref="VaeTransformer.Transform"/> produces for one input row.</summary>
/// <param name="LatentMean">The posterior mean of z, [K].</param>
/// <param name="LatentLogVar">The posterior log-variance of z, [K].</param>
/// <param name="Reconstruction">The row decoded from its posterior mean, in raw feature units, [D].</param>
/// <param name="Score">The model's default anomaly score (higher = more unusual).</param>
/// <param name="IsAnomaly">Score above the model's threshold; null when the model has no threshold.</param>
public sealed record VaeRow(float[] LatentMean, float[] LatentLogVar, float[] Reconstruction, double Score, bool? IsAnomaly);
