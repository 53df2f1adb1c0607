using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Vae;

namespace MlNetVae.Scoring;

/// <summary>
/// The default anomaly score, <see cref="AnomalyScore.CorrectedNegElbo"/>, of many rows in chunks, forward only and
/// in reused buffers: what the pipeline, the CLI's <c>score</c> column and managed <c>VaeInference.Score</c> compute,
/// and what scorer.onnx's <c>score</c> output reproduces. Not thread-safe: one per thread.
/// </summary>
internal sealed class CorrectedNegElboEvaluator
{
    private const int ChunkRows = VaeModel.ChunkRows;
    private readonly VaeModel _model;
    private readonly Tape _tape;
    private readonly float[]?[] _gaussianLogVar;
    private Tensor _x = new(1, 1);

    /// <param name="model">The model; it must not be trained further while this evaluator is in use.</param>
    /// <param name="compute">Where the kernels run.</param>
    public CorrectedNegElboEvaluator(VaeModel model, Compute compute)
    {
        _model = model;
        _tape = new Tape(compute);
        _gaussianLogVar = model.GaussianLogVar.Select(v => v?.Value.Span.ToArray()).ToArray();
    }

    /// <summary>The default score of each raw row, in input order.</summary>
    public static double[] Score(VaeModel model, IReadOnlyList<float[]> rows)
    {
        var x = model.ToModelUnits(rows); // validates widths and values, names the bad row
        var scores = new double[rows.Count];
        new CorrectedNegElboEvaluator(model, model.Compute).Evaluate(x, rows.Count, scores);
        return scores;
    }

    /// <summary>
    /// For each of the <paramref name="count"/> rows of <paramref name="rows"/> (model units, row-major, D wide): the
    /// reconstruction divergence at z = posterior mean plus KL(q(z|x) || N(0, I)), written to <paramref name="scores"/>.
    /// </summary>
    public void Evaluate(ReadOnlySpan<float> rows, int count, Span<double> scores)
    {
        int d = _model.Features;
        var segments = _model.Preprocessor.Segments;
        for (int start = 0; start < count; start += ChunkRows)
        {
            int n = Math.Min(ChunkRows, count - start);
            _x = Tensor.Resize(_x, [n, d]);
            rows.Slice(start * d, n * d).CopyTo(_x.Span);
            _tape.Reset();
            var (mean, logVar) = _model.RecordEncoder(_tape, _tape.Input(_x)); // (n, K) each
            var output = _model.RecordDecoder(_tape, mean).Value;                 // (n, D)
            for (int i = 0; i < n; i++)
                scores[start + i] = ReconstructionTerms.Divergence(segments, _gaussianLogVar, _x.Row(i), output.Row(i))
                    + Kl(mean.Value.Row(i), logVar.Value.Row(i));
        }
    }

    /// <summary>KL(N(mu, e^lv) || N(0, I)) = sum over k of 0.5 (e^lv + mu^2 - 1 - lv), summed in double.</summary>
    public static double Kl(ReadOnlySpan<float> mean, ReadOnlySpan<float> logVar)
    {
        double kl = 0;
        for (int j = 0; j < mean.Length; j++) kl += 0.5 * (MathF.Exp(logVar[j]) + mean[j] * (double)mean[j] - 1 - logVar[j]);
        return kl;
    }
}
