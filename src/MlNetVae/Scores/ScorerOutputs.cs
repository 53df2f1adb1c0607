using MlNetVae.Graph;
using MlNetVae.Spec;

namespace MlNetVae.Scores;

/// <summary>The per-row outputs a scoring pass can produce; each is computed only when asked for.</summary>
[Flags]
public enum ScorerOutputs
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>The anomaly score, [rows, 1].</summary>
    Score = 1,
    /// <summary>Posterior means, [rows, K].</summary>
    LatentMean = 2,
    /// <summary>Clamped posterior log-variances, [rows, K].</summary>
    LatentLogVar = 4,
    /// <summary>The likelihood's mean at z = posterior mean, raw units, [rows, D].</summary>
    Reconstruction = 8,
    /// <summary>The negative ELBO at z = posterior mean, [rows, 1].</summary>
    NegElbo = 16,
}

/// <summary>
/// The scorer: from raw rows, the outputs asked for, each defined once (in <see cref="Scores"/> and <see cref="Network"/>).
/// The managed engine runs this function on batches; the ONNX exporter records the same function as scorer.onnx.
/// </summary>
internal static class ScorerGraph
{
    /// <summary>Decoder passes recorded on this thread: a test counter (reading only the latent mean must never decode).</summary>
    [ThreadStatic] internal static long DecoderPasses;

    /// <summary>Records the wanted outputs of raw rows [rows, D]; the dictionary holds exactly the wanted flags.</summary>
    public static Dictionary<ScorerOutputs, T> Record<T>(IOps<T> o, VaeSpec spec, T raw, ScorerOutputs wanted, AnomalyScore score) where T : class
    {
        var result = new Dictionary<ScorerOutputs, T>();
        var x = Network.Standardize(o, raw);
        var (mean, logVar) = Network.Encode(o, spec, x);
        if (wanted.HasFlag(ScorerOutputs.LatentMean)) result[ScorerOutputs.LatentMean] = mean;
        if (wanted.HasFlag(ScorerOutputs.LatentLogVar)) result[ScorerOutputs.LatentLogVar] = logVar;
        if ((wanted & (ScorerOutputs.Score | ScorerOutputs.Reconstruction | ScorerOutputs.NegElbo)) == 0) return result;
        DecoderPasses++;
        var pass = new PosteriorMeanPass<T>(x, mean, logVar, Network.Decode(o, spec, mean));
        if (wanted.HasFlag(ScorerOutputs.Score)) result[ScorerOutputs.Score] = ScoreFormulas.Deterministic(o, spec, pass, score);
        if (wanted.HasFlag(ScorerOutputs.Reconstruction)) result[ScorerOutputs.Reconstruction] = Network.RawMean(o, spec, pass.Output);
        if (wanted.HasFlag(ScorerOutputs.NegElbo)) result[ScorerOutputs.NegElbo] = ScoreFormulas.NegElboAtMean(o, spec, pass);
        return result;
    }
}
