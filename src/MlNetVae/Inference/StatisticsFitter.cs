using MlNetVae.Backends;
using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Graph;
using MlNetVae.Spec;

namespace MlNetVae.Inference;

/// <summary>
/// Fits the statistics of the training rows that scores read (<see cref="ScoreStatistics"/>): the aggregate posterior's
/// Gaussian for the Mahalanobis terms, then each standardized term's mean and deviation, computed by running the term's
/// own formula (<see cref="ScoreFormulas.Term{T}"/>) on the rows, so a row's fitted and scored terms are one function.
/// </summary>
internal static class StatisticsFitter
{
    /// <summary>
    /// The statistics <paramref name="scores"/> read, fitted on the rows the model was trained on (flat [rows, D], raw
    /// units): an empty state dict when none reads any. Scores the model cannot compute (image scores on a table) read none.
    /// </summary>
    public static StateDict Fit(VaeModelParameters model, ReadOnlyMemory<float> rows, IEnumerable<AnomalyScore> scores, Compute compute) =>
        Fit(model, [rows], scores, compute);

    /// <summary>
    /// <see cref="Fit(VaeModelParameters, ReadOnlyMemory{float}, IEnumerable{AnomalyScore}, Compute)"/> on rows too many
    /// to hold: <paramref name="blocks"/> gives them block by block (flat [rows, D] each), and is enumerated once per
    /// pass (one for what depends on the model alone, the latent Gaussian and the pixels' usual error levels, one for
    /// the standardized terms, which read those), so memory stays one block whatever the rows.
    /// </summary>
    public static StateDict Fit(VaeModelParameters model, IEnumerable<ReadOnlyMemory<float>> blocks, IEnumerable<AnomalyScore> scores, Compute compute)
    {
        var wanted = scores.Where(s => !AnomalyScores.NeedsImages(s) || model.Spec.Image is not null).ToArray();
        var names = wanted.SelectMany(s => ScoreStatistics.ReadBy(model.Spec, s)).ToHashSet();
        var state = new StateDict();
        if (names.Count == 0) return state;
        int d = model.Features, k = model.LatentSize;
        // Runs a recorded computation forward over every row, block by block; returns the row count.
        long Pass(VaeModelParameters m, Func<TapeOps, ForwardPass<Node>, Node[]> record, Action<Node[]> consume)
        {
            var runner = new ManagedRunner(m, compute);
            long n = 0;
            foreach (var block in blocks)
            {
                int rows = RowCheck.Rows(block.Span, d);
                runner.ForEachChunk(block.Span, rows, d, (o, raw, _) => record(o, new ForwardPass<Node>(o, model.Spec, raw)),
                    (_, _, outputs) => consume(outputs));
                n += rows;
            }
            if (n < 2) throw new ArgumentException("fitting score statistics needs at least 2 rows");
            return n;
        }
        // First pass: what depends on the model alone, the latent Gaussian and the pixels' usual error levels.
        bool latent = names.Contains(ScoreStatistics.LatentCenter), usual = names.Contains(ScoreStatistics.SmoothedErrorUsual);
        var gaussian = new LatentGaussian(k);
        var pixelSums = new double[usual ? d : 0];
        if (latent || usual)
        {
            long rows = Pass(model, (o, pass) => [.. latent ? [pass.Mean, o.Exp(pass.LogVar)] : Array.Empty<Node>(),
                .. usual ? [ScoreFormulas.SmoothedSquares(o, model.Spec, pass)] : Array.Empty<Node>()], outputs =>
            {
                if (latent) gaussian.Add(outputs[0].Value.Span, outputs[1].Value.Span);
                if (!usual) return;
                var squares = outputs[^1].Value.Span;
                for (int i = 0; i < squares.Length; i++) pixelSums[i % d] += squares[i];
            });
            if (latent)
            {
                var (center, whitening) = gaussian.Fit();
                state.Set(ScoreStatistics.LatentCenter, [k], center);
                state.Set(ScoreStatistics.LatentWhitening, [k, k], whitening);
            }
            if (usual)
            {
                // Each pixel's mean smoothed squared error, plus a share of their average (ScoreStatistics.UsualLevelFloor).
                double floor = ScoreStatistics.UsualLevelFloor * pixelSums.Average() / rows;
                // A model that reconstructs every training row exactly has no usual level: any error is then the same many times it.
                if (!(floor > 0)) floor = SharedNumerics.LogFloor;
                state.Set(ScoreStatistics.SmoothedErrorUsual, [d], [.. pixelSums.Select(s => (float)(s / rows + floor))]);
            }
        }
        var terms = wanted.SelectMany(ScoreFormulas.StandardizedTerms).DistinctBy(t => t.Term).ToArray();
        if (terms.Length == 0) return state;
        var (sums, squares) = (new double[terms.Length], new double[terms.Length]);
        long count = Pass(model.WithScoreStatistics(state), (o, pass) => terms.Select(t => ScoreFormulas.Term(o, model.Spec, pass, t.Term)).ToArray(),
            outputs =>
        {
            for (int t = 0; t < terms.Length; t++)
                foreach (float v in outputs[t].Value.Span)
                {
                    sums[t] += v;
                    squares[t] += v * (double)v;
                }
        });
        for (int t = 0; t < terms.Length; t++)
        {
            var (mean, scale) = Moments.MeanAndScale(sums[t], squares[t], count);
            state.Set(terms[t].Mean!, [1], [mean]);
            state.Set(terms[t].Scale!, [1], [scale]);
        }
        return state;
    }
}
