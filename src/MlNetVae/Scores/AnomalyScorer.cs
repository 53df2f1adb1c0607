using MlNetVae.Engine;
using MlNetVae.Inference;
using MlNetVae.Spec;

namespace MlNetVae.Scores;

/// <summary>
/// Scores rows for anomaly detection with a trained model, higher = more unusual; every score is one definition in
/// <see cref="ScoreFormulas"/> (the ONNX scorer records the same ones). Thread-safe.
/// </summary>
public sealed class AnomalyScorer
{
    /// <summary>Draws of z per row for the sampled scores (<see cref="AnomalyScore.NegElbo"/>, <see cref="AnomalyScore.IwaeNll"/>).</summary>
    public const int SampledDraws = 10;

    private readonly ThreadLocal<ManagedRunner> _runner;
    private readonly VaeInference _inference;

    /// <summary>Scores with <paramref name="model"/> (which needs fitted statistics for the scores that read them).</summary>
    public AnomalyScorer(VaeModelParameters model, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        var compute = new Compute(Math.Min(threads, Environment.ProcessorCount));
        _runner = new(() => new ManagedRunner(model, compute));
        _inference = new VaeInference(model, threads);
    }

    /// <summary>The model whose rows are scored.</summary>
    public VaeModelParameters Model { get; }

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
        if (ScoreStatistics.Missing(Model.Spec, Model.SharedStatistics, score) is { } missing)
            throw new InvalidOperationException(missing + " (fit them with ScoreStatistics.Fit and attach them with Model.WithScoreStatistics)");
        int n = RowCheck.Rows(rows, Model.Features);
        var buffers = new ScorerBuffers(Model, n, ScorerOutputs.Score);
        _runner.Value!.Score(rows, n, score, buffers);
        return buffers.For(ScorerOutputs.Score).Select(v => (double)v).ToArray();
    }

    /// <summary>The model's own score (<see cref="VaeSpec.Score"/>) of each raw row.</summary>
    public double[] Score(ReadOnlySpan<float> rows) => Score(rows, Model.Spec.Score);
}
