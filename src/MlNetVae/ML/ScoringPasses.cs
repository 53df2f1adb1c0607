using System.Diagnostics;
using MlNetVae.Inference;
using MlNetVae.Training;

namespace MlNetVae.ML;

/// <summary>
/// The passes after training over data too large for memory: rows read again block by block (with progress), and the
/// threshold set from their scores in one or two scoring passes (<see cref="ScoreSelection"/>).
/// </summary>
internal static class ScoringPasses
{
    /// <summary>
    /// Every row of <paramref name="source"/>, once per enumeration, reported to <paramref name="progress"/> as the
    /// <see cref="TrainingPhase.Scoring"/> phase.
    /// </summary>
    public static IEnumerable<RowBlock> Rows(IRowBlockSource source, IProgress<TrainingProgress>? progress, int epochs, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long rows = 0;
        foreach (var block in source.Read(null, cancellationToken))
        {
            yield return block;
            long before = rows;
            rows += block.Count;
            if (progress is not null && rows / FirstPass.ReportEveryRows > before / FirstPass.ReportEveryRows)
                progress.Report(TrainingProgress.OfPass(TrainingPhase.Scoring, epochs, rows, clock.Elapsed));
        }
    }

    /// <summary>
    /// The score leaving at most floor(<paramref name="fraction"/> n) of the n calibration rows' scores strictly above it:
    /// the rows of <paramref name="rows"/> whose key <paramref name="keep"/> accepts (all without it), scored with
    /// <paramref name="score"/>, holding at most half of <paramref name="memoryBytes"/> of scores.
    /// <paramref name="counted"/> gets n after the first pass.
    /// </summary>
    public static float Threshold(AnomalyScorer scorer, AnomalyScore score, IEnumerable<RowBlock> rows, Func<ulong, bool>? keep, double fraction,
        long memoryBytes, Action<long> counted)
    {
        var selection = new ScoreSelection((int)Math.Clamp(memoryBytes / 8, 1, Array.MaxLength));
        for (int pass = 1; ; pass++)
        {
            selection.StartPass();
            foreach (var block in rows)
            {
                var scores = scorer.Score(block.Rows.Span, score);
                var keys = block.Keys.Span;
                for (int i = 0; i < scores.Length; i++)
                    if (keep is null || keep(keys[i])) selection.Add((float)scores[i]);
            }
            if (pass == 1) counted(selection.Count);
            if (selection.Finish(fraction, out float value)) return value;
        }
    }
}
