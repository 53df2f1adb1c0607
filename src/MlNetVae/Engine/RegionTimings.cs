using System.Diagnostics;

namespace MlNetVae.Engine;

/// <summary>
/// Time the calling thread spends in the parallel regions a <see cref="Compute"/> runs on more than one thread, by job
/// type, when <see cref="Compute.Timings"/> is set: the benchmarks' profile, which subtracts it from a training step to
/// find the part of the step that runs on one thread while the others wait. Unset, it costs one check per region.
/// </summary>
internal sealed class RegionTimings
{
    private readonly Dictionary<Type, (long Ticks, long Count)> _byJob = [];

    /// <summary><see cref="Stopwatch"/> ticks and number of regions, by the job's type.</summary>
    public IReadOnlyDictionary<Type, (long Ticks, long Count)> ByJob => _byJob;

    public void Clear() => _byJob.Clear();

    internal void Add(Type job, long ticks)
    {
        var (total, count) = _byJob.GetValueOrDefault(job);
        _byJob[job] = (total + ticks, count + 1);
    }
}
