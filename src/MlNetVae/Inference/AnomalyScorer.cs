using MlNetVae.Engine;
using MlNetVae.Graph;
using MlNetVae.Spec;

namespace MlNetVae.Inference;

/// <summary>
/// Scores rows for anomaly detection with a trained model, higher = more unusual; every score is one definition in
/// <see cref="ScoreFormulas"/> (the ONNX scorer records the same ones). Thread-safe.
/// </summary>
internal sealed class AnomalyScorer
{
    /// <summary>Draws of z per row for the sampled scores (<see cref="AnomalyScore.NegElbo"/>, <see cref="AnomalyScore.IwaeNll"/>).</summary>
    public const int SampledDraws = 10;

    private readonly VaeInference _inference;

    /// <summary>Scores with <paramref name="model"/> (which needs fitted statistics for the scores that read them) on <paramref name="threads"/>
    /// threads (0 = all cores).</summary>
    public AnomalyScorer(VaeModelParameters model, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        _inference = new VaeInference(model, threads);
    }

    /// <summary>The model whose rows are scored.</summary>
    public VaeModelParameters Model => _inference.Model;

    /// <summary>One score of each raw row (flat [rows, D]), in input order.</summary>
    public double[] Score(ReadOnlySpan<float> rows, AnomalyScore score)
    {
        if (!Enum.IsDefined(score)) throw new ArgumentOutOfRangeException(nameof(score), score, "unknown anomaly score");
        switch (score)
        {
            case AnomalyScore.NegElbo:
                var (reconstruction, kl) = _inference.Elbo(rows, SampledDraws);
                return reconstruction.Select((r, i) => r + kl[i]).ToArray();
            case AnomalyScore.IwaeNll:
                return _inference.IwaeNll(rows, SampledDraws);
        }
        if (ScoreStatistics.Missing(Model.Spec, Model.SharedStatistics, score) is { } missing) throw new InvalidOperationException(missing);
        int n = RowCheck.Rows(rows, Model.Features);
        var buffers = new ScorerBuffers(Model, n, [VaeOutput.Score]);
        _inference.Runner.Score(rows, n, score, buffers);
        return buffers.For(VaeOutput.Score).Select(v => (double)v).ToArray();
    }

    /// <summary>
    /// Each raw row's <paramref name="score"/> split as its formula splits it (<see cref="ScoreFormulas.Split{T}"/>): the
    /// explained features' contributions, flat [rows, F], and the part no feature owns, [rows]; per row they add up to the score.
    /// </summary>
    public (float[] Features, float[] Latent) Contributions(ReadOnlySpan<float> rows, AnomalyScore score)
    {
        if (AnomalyScores.IsSampled(score))
            throw new ArgumentException($"{score} is sampled; only a deterministic score splits over the features", nameof(score));
        if (ScoreStatistics.Missing(Model.Spec, Model.SharedStatistics, score) is { } missing) throw new InvalidOperationException(missing);
        int n = RowCheck.Rows(rows, Model.Features);
        var buffers = new ScorerBuffers(Model, n, [VaeOutput.FeatureContributions, VaeOutput.LatentContribution]);
        _inference.Runner.Score(rows, n, score, buffers);
        return (buffers.For(VaeOutput.FeatureContributions), buffers.For(VaeOutput.LatentContribution));
    }

    /// <summary>The model's own score (<see cref="VaeSpec.Score"/>) of each raw row.</summary>
    public double[] Score(ReadOnlySpan<float> rows) => Score(rows, Model.Spec.Score);
}
