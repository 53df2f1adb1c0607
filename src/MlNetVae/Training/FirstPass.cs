using System.Diagnostics;
using MlNetVae.Spec;

namespace MlNetVae.Training;

/// <summary>
/// The first pass over training data. It keeps every row in memory while they fit in
/// <see cref="VaeOptions.MemoryBudgetMegabytes"/> (then training runs in memory, as it always has); past that it drops
/// them and, as the rows stream by, fits the feature statistics and counts the rows and those the <see cref="Holdout"/>
/// rule keeps back, which is all training in passes needs to begin (and copies them into a <see cref="RowCacheFile"/>
/// when asked to, for the later passes to read).
/// </summary>
internal sealed class FirstPass
{
    /// <summary>Rows between two progress reports of a pass.</summary>
    internal const int ReportEveryRows = 50_000;

    private FirstPass(ReadOnlyMemory<float>? rows, long count, long heldOut, FeatureMoments? moments, RowCacheFile? cache) =>
        (Rows, Count, HeldOut, Moments, Cache) = (rows, count, heldOut, moments, cache);

    /// <summary>Every row, flat [Count, D], when they fit in the budget; null when training must stream.</summary>
    public ReadOnlyMemory<float>? Rows { get; }

    /// <summary>The rows read.</summary>
    public long Count { get; }

    /// <summary>The rows the hold-out rule keeps back for validation (what streamed training holds out).</summary>
    public long HeldOut { get; }

    /// <summary>The feature statistics' accumulators, when training must stream.</summary>
    public FeatureMoments? Moments { get; }

    /// <summary>
    /// When training must stream and a cache was asked for: every row, read back by the later passes in place of the
    /// source. The caller disposes it.
    /// </summary>
    public RowCacheFile? Cache { get; }

    /// <summary>
    /// Reads <paramref name="source"/> once. Progress reports come as epoch 0 with the rows read so far. With
    /// <paramref name="createCache"/>, rows too many for the budget are also copied into the cache it makes, which the
    /// later passes read instead of the source (<see cref="Cache"/>).
    /// </summary>
    public static FirstPass Read(IRowBlockSource source, VaeOptions options, Func<RowCacheFile>? createCache, IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        int d = source.Features;
        long budget = (long)options.MemoryBudgetMegabytes << 20;
        bool Fits(long rows) => rows * d * 4 <= budget && rows * d <= Array.MaxLength;
        // Known to fit: one buffer of the final size. Unknown: blocks, joined at the end if they all fit. The keys are kept
        // beside the rows only for a cache, which needs every row's key once the rows turn out too many.
        var all = source.RowCount is long n && Fits(n) ? new float[n * d] : null;
        var allKeys = all is not null && createCache is not null ? new ulong[all.Length / d] : null;
        var blocks = all is null && source.RowCount is null ? new List<RowBlock>() : null;
        FeatureMoments? moments = null;
        RowCacheFile? cache = null;
        // From here on the statistics stream, and the rows go to a new cache when one is wanted.
        void StartStreaming() => (moments, cache) = (new FeatureMoments(d, options), createCache?.Invoke());
        void Keep(RowBlock block)
        {
            moments!.Add(block.Rows.Span);
            cache?.Append(block);
        }
        try
        {
            if (all is null && blocks is null) StartStreaming();
            long count = 0, heldOut = 0;
            var clock = Stopwatch.StartNew();
            foreach (var block in source.Read(null, cancellationToken))
            {
                var rows = block.Rows.Span;
                if (moments is null && (!Fits(count + block.Count) || all is not null && (count + block.Count) * d > all.Length))
                {
                    // Past the budget (or past a row count the source announced): the statistics stream from here on.
                    StartStreaming();
                    if (all is not null) Keep(new RowBlock(all.AsMemory(0, (int)(count * d)), allKeys.AsMemory(0, allKeys is null ? 0 : (int)count)));
                    foreach (var kept in blocks ?? []) Keep(kept);
                    (all, allKeys, blocks) = (null, null, null);
                }
                if (moments is not null) Keep(block);
                else if (all is not null)
                {
                    rows.CopyTo(all.AsSpan((int)(count * d)));
                    if (allKeys is not null) block.Keys.Span.CopyTo(allKeys.AsSpan((int)count));
                }
                else blocks!.Add(new RowBlock(rows.ToArray(), createCache is null ? default : block.Keys.ToArray()));
                if (options.ValidationFraction > 0)
                    foreach (ulong key in block.Keys.Span)
                        if (Holdout.IsHeldOut(key, options.Seed!.Value, options.ValidationFraction)) heldOut++;
                long before = count;
                count += block.Count;
                if (progress is not null && count / ReportEveryRows > before / ReportEveryRows)
                    progress.Report(TrainingProgress.OfPass(TrainingPhase.Reading, options.Epochs, count, clock.Elapsed));
            }
            if (moments is not null)
            {
                cache?.Complete();
                return new FirstPass(null, count, heldOut, moments, cache);
            }
            if (all is not null) return new FirstPass(all.AsMemory(0, (int)(count * d)), count, heldOut, null, null);
            var joined = new float[count * d];
            int at = 0;
            foreach (var kept in blocks!)
            {
                kept.Rows.CopyTo(joined.AsMemory(at));
                at += kept.Rows.Length;
            }
            return new FirstPass(joined, count, heldOut, null, null);
        }
        catch
        {
            cache?.Dispose();
            throw;
        }
    }
}
