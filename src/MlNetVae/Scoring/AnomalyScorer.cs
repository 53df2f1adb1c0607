using MlNetVae.Vae;

namespace MlNetVae.Scoring;

/// <summary>
/// A trained VAE plus the statistics of its training rows that some scores need: scores rows for anomaly
/// detection, higher = more unusual. Immutable; fit once after training with <see cref="Fit"/>.
/// </summary>
public sealed class AnomalyScorer
{
    /// <summary>Draws of z per row for the sampled scores (<see cref="AnomalyScore.NegElbo"/>, <see cref="AnomalyScore.IwaeNll"/>).</summary>
    public const int SampledDraws = 10;

    /// <summary>Creates a scorer from a model and state fitted for it (used by model loading).</summary>
    public AnomalyScorer(VaeModel model, AnomalyScorerState state)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        if (state.LatentSize != model.LatentSize)
            throw new ArgumentException($"scorer state has {state.LatentSize} latent dimensions, the model {model.LatentSize}");
        Model = model;
        State = state;
    }

    /// <summary>
    /// The score <see cref="Score(IReadOnlyList{float[]})"/> returns: <see cref="AnomalyScore.CorrectedNegElbo"/>,
    /// chosen by the benchmark (the only score above Isolation Forest on images and on a table). Deterministic and
    /// free of fitted statistics, so it is also the score of <c>VaeTransformer.Score</c>, the CLI's <c>score</c> column,
    /// <c>VaeInference.Score</c> and scorer.onnx's <c>score</c> output, which computes it from the model alone. With x the row in model units
    /// (Gaussian columns standardized), (mu, l) = encoder(x) with l clamped to +-LogVarClamp, and o = decoder(mu):
    /// sum over Bernoulli columns of max(o, 0) - o x + log(1 + e^-|o|) + x log x + (1 - x) log(1 - x)
    /// + sum over Gaussian columns of 0.5 (x - o)^2 e^-v (v the learned log-variance)
    /// + sum over one-hot groups of sum_c x_c (logsumexp(o_group) - o_c) + x_c log x_c
    /// + sum over latent dimensions of 0.5 (e^l + mu^2 - 1 - l), with 0 log 0 = 0.
    /// </summary>
    public static AnomalyScore DefaultScore => AnomalyScore.CorrectedNegElbo;

    /// <summary>The model whose rows are scored.</summary>
    public VaeModel Model { get; }

    /// <summary>Statistics of the training rows.</summary>
    public AnomalyScorerState State { get; }

    /// <summary>Fits the scorer's statistics on the rows <paramref name="model"/> was trained on (raw units).</summary>
    public static AnomalyScorer Fit(VaeModel model, IReadOnlyList<float[]> trainingRows)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(trainingRows);
        if (trainingRows.Count < 2) throw new ArgumentException("fitting a scorer needs at least 2 training rows");
        var terms = PosteriorMeanPass.Run(model, trainingRows);
        var (center, whitening) = LatentGaussian.Fit(terms.LatentMean, terms.LatentVariance);
        var mahalanobis = terms.LatentMean.Select(mu => LatentGaussian.SquaredDistance(mu, center, whitening)).ToArray();
        double[][] components = [terms.Divergence, mahalanobis];
        var mean = components.Select(c => (float)c.Average()).ToArray();
        // A component that is the same on every row carries nothing: scale 1 keeps it finite instead of dividing by 0.
        var scale = components.Select((c, i) => StandardDeviation(c, mean[i])).Select(s => s > 1e-12f ? s : 1f).ToArray();
        return new AnomalyScorer(model, new AnomalyScorerState(center, whitening, mean, scale));
    }

    /// <summary>The <see cref="DefaultScore"/> of each row (raw units), in input order.</summary>
    public double[] Score(IReadOnlyList<float[]> rows) => Score(rows, DefaultScore);

    /// <summary>One score of each row (raw units), in input order.</summary>
    public double[] Score(IReadOnlyList<float[]> rows, AnomalyScore score) => Score(rows, [score])[score];

    /// <summary>Several scores of each row from one pass over the rows (plus the draws of the sampled scores asked for).</summary>
    public IReadOnlyDictionary<AnomalyScore, double[]> Score(IReadOnlyList<float[]> rows, IReadOnlyCollection<AnomalyScore> scores)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(scores);
        foreach (var s in scores)
            if (!Enum.IsDefined(s)) throw new ArgumentOutOfRangeException(nameof(scores), s, "unknown anomaly score");
        var result = new Dictionary<AnomalyScore, double[]>();
        if (scores.Contains(AnomalyScore.NegElbo) || scores.Contains(AnomalyScore.IwaeNll))
        {
            var sampled = Model.Score(rows, new ScoreOptions(Samples: SampledDraws, IwaeSamples: scores.Contains(AnomalyScore.IwaeNll) ? SampledDraws : 0));
            if (scores.Contains(AnomalyScore.NegElbo)) result[AnomalyScore.NegElbo] = sampled.NegElbo;
            if (scores.Contains(AnomalyScore.IwaeNll)) result[AnomalyScore.IwaeNll] = sampled.IwaeNll!;
        }
        if (scores.All(result.ContainsKey)) return result;

        var terms = PosteriorMeanPass.Run(Model, rows);
        var mahalanobis = terms.LatentMean.Select(mu => LatentGaussian.SquaredDistance(mu, State.LatentCenter, State.LatentWhitening)).ToArray();
        foreach (var s in scores)
        {
            result[s] = s switch
            {
                AnomalyScore.ReconstructionDivergence => terms.Divergence,
                AnomalyScore.ReconstructionError => terms.SquaredError,
                AnomalyScore.CorrectedNegElbo => terms.Divergence.Zip(terms.Kl, (a, b) => a + b).ToArray(),
                AnomalyScore.LatentMahalanobis => mahalanobis,
                AnomalyScore.Combined => terms.Divergence.Select((d, r) => d + 0.5 * mahalanobis[r]).ToArray(),
                AnomalyScore.StandardizedSum => terms.Divergence.Select((d, r) => Standardized(d, 0) + Standardized(mahalanobis[r], 1)).ToArray(),
                _ => result[s],
            };
        }
        return result;
    }

    private double Standardized(double value, int component) =>
        (value - State.ComponentMean[component]) / State.ComponentScale[component];

    private static float StandardDeviation(double[] values, double mean) =>
        (float)Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
}
