using System.Diagnostics;
using MlNetVae.Spec;

namespace MlNetVae.Training;

/// <summary>
/// The first pass over training data. It keeps every row in memory while they fit in
/// <see cref="VaeOptions.MemoryBudgetMegabytes"/> (then training runs in memory, as it always has); past that it drops
/// them and, as the rows stream by, fits the feature statistics and counts the rows and those the <see cref="Holdout"/>
/// rule keeps back, which is all training in passes needs to begin.
/// </summary>
internal sealed class FirstPass
{
    /// <summary>Rows between two progress reports of a pass.</summary>
    internal const int ReportEveryRows = 50_000;

    private FirstPass(ReadOnlyMemory<float>? rows, long count, long heldOut, FeatureMoments? moments) =>
        (Rows, Count, HeldOut, Moments) = (rows, count, heldOut, moments);

    /// <summary>Every row, flat [Count, D], when they fit in the budget; null when training must stream.</summary>
    public ReadOnlyMemory<float>? Rows { get; }

    /// <summary>The rows read.</summary>
    public long Count { get; }

    /// <summary>The rows the hold-out rule keeps back for validation (what streamed training holds out).</summary>
    public long HeldOut { get; }

    /// <summary>The feature statistics' accumulators, when training must stream.</summary>
    public FeatureMoments? Moments { get; }

    /// <summary>
    /// Reads <paramref name="source"/> once. Progress reports come as epoch 0 with the rows read so far.
    /// </summary>
    public static FirstPass Read(IRowBlockSource source, VaeOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        int d = source.Features;
        long budget = (long)options.MemoryBudgetMegabytes << 20;
        bool Fits(long rows) => rows * d * 4 <= budget && rows * d <= Array.MaxLength;
        // Known to fit: one buffer of the final size. Unknown: blocks, joined at the end if they all fit.
        var all = source.RowCount is long n && Fits(n) ? new float[n * d] : null;
        var blocks = all is null && source.RowCount is null ? new List<float[]>() : null;
        var moments = all is null && blocks is null ? new FeatureMoments(d, options) : null;
        long count = 0, heldOut = 0;
        var clock = Stopwatch.StartNew();
        foreach (var block in source.Read(null, cancellationToken))
        {
            var rows = block.Rows.Span;
            if (moments is null && (!Fits(count + block.Count) || all is not null && (count + block.Count) * d > all.Length))
            {
                // Past the budget (or past a row count the source announced): the statistics stream from here on.
                moments = new FeatureMoments(d, options);
                if (all is not null) moments.Add(all.AsSpan(0, (int)(count * d)));
                foreach (var kept in blocks ?? []) moments.Add(kept);
                (all, blocks) = (null, null);
            }
            if (moments is not null) moments.Add(rows);
            else if (all is not null) rows.CopyTo(all.AsSpan((int)(count * d)));
            else blocks!.Add(rows.ToArray());
            if (options.ValidationFraction > 0)
                foreach (ulong key in block.Keys.Span)
                    if (Holdout.IsHeldOut(key, options.Seed!.Value, options.ValidationFraction)) heldOut++;
            long before = count;
            count += block.Count;
            if (progress is not null && count / ReportEveryRows > before / ReportEveryRows)
                progress.Report(TrainingProgress.OfPass(TrainingPhase.Reading, options.Epochs, count, clock.Elapsed));
        }
        if (moments is not null) return new FirstPass(null, count, heldOut, moments);
        if (all is not null) return new FirstPass(all.AsMemory(0, (int)(count * d)), count, heldOut, null);
        var joined = new float[count * d];
        int at = 0;
        foreach (var kept in blocks!)
        {
            kept.CopyTo(joined, at);
            at += kept.Length;
        }
        return new FirstPass(joined, count, heldOut, null);
    }
}
