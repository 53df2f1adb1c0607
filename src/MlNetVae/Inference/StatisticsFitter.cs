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
    /// pass (a scan for the pixels' range when a structural term reads it, one pass for what depends on the model alone,
    /// the latent Gaussian and the pixels' usual levels, one for the standardized terms, which read those), so memory
    /// stays one block whatever the rows.
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
        // The pixels' range first, when a structural term reads it: a scan of the raw rows, no model run. The structural
        // term's usual level (next pass) maps the images by it.
        if (names.Contains(ScoreStatistics.PixelRange))
        {
            float low = float.PositiveInfinity, high = float.NegativeInfinity;
            foreach (var block in blocks)
                foreach (float v in block.Span)
                {
                    if (v < low) low = v;
                    if (v > high) high = v;
                }
            if (!(low <= high)) throw new ArgumentException("fitting score statistics needs at least 2 rows");
            state.Set(ScoreStatistics.PixelLow, [1], [low]);
            // Training images that are all one value have no range: any pixel then reads in units of 1.
            state.Set(ScoreStatistics.PixelRange, [1], [high > low ? high - low : 1f]);
        }
        // Then what depends on the model alone (and the range), the latent Gaussian and the pixels' usual levels.
        bool latent = names.Contains(ScoreStatistics.LatentCenter), usual = names.Contains(ScoreStatistics.SmoothedErrorUsual),
            structural = names.Contains(ScoreStatistics.StructuralErrorUsual);
        var gaussian = new LatentGaussian(k);
        var usualSums = new double[usual ? d : 0];
        var structuralSums = new double[structural ? d : 0];
        if (latent || usual || structural)
        {
            long rows = Pass(model.WithScoreStatistics(state), (o, pass) => [.. latent ? [pass.Mean, o.Exp(pass.LogVar)] : Array.Empty<Node>(),
                .. usual ? [ScoreFormulas.SmoothedSquares(o, model.Spec, pass)] : Array.Empty<Node>(),
                .. structural ? [ScoreFormulas.StructuralDissimilarity(o, model.Spec, pass)] : Array.Empty<Node>()], outputs =>
            {
                if (latent) gaussian.Add(outputs[0].Value.Span, outputs[1].Value.Span);
                if (usual) AddPerFeature(usualSums, outputs[latent ? 2 : 0].Value.Span);
                if (structural) AddPerFeature(structuralSums, outputs[^1].Value.Span);
            });
            if (latent)
            {
                var (center, whitening) = gaussian.Fit();
                state.Set(ScoreStatistics.LatentCenter, [k], center);
                state.Set(ScoreStatistics.LatentWhitening, [k, k], whitening);
            }
            if (usual) state.Set(ScoreStatistics.SmoothedErrorUsual, [d], UsualLevels(usualSums, rows));
            if (structural) state.Set(ScoreStatistics.StructuralErrorUsual, [d], UsualLevels(structuralSums, rows));
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

    /// <summary>Adds flat [rows, D] values to per-feature sums [D].</summary>
    private static void AddPerFeature(double[] sums, ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++) sums[i % sums.Length] += values[i];
    }

    /// <summary>Each pixel's mean over the rows, plus a share of their average (<see cref="ScoreStatistics.UsualLevelFloor"/>), [D].</summary>
    private static float[] UsualLevels(double[] sums, long rows)
    {
        double floor = ScoreStatistics.UsualLevelFloor * sums.Average() / rows;
        // A model that reconstructs every training row exactly has no usual level: any error is then the same many times it.
        if (!(floor > 0)) floor = SharedNumerics.LogFloor;
        return [.. sums.Select(s => (float)(s / rows + floor))];
    }
}
