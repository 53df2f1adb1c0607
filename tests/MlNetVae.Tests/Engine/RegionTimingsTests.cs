using System.Diagnostics;
using MlNetVae.Engine;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine;

// The profile's split of a step into parallel regions and the rest relies on these: a region on two threads is timed
// whole, by job type, on the calling thread; a job that runs on one thread is not a region; unset, nothing is kept.
public class RegionTimingsTests
{
    [Test]
    public void TimesEachParallelRegionByJobType()
    {
        using var compute = new Compute(2);
        var timings = compute.Timings = new RegionTimings();
        var job = new Sleeper { Milliseconds = 20 };
        compute.Run(ref job, 2);
        compute.Run(ref job, 2);
        var counter = new Counter();
        compute.Run(ref counter, 2);

        Assert.That(timings.ByJob.Keys, Is.EquivalentTo(new[] { typeof(Sleeper), typeof(Counter) }));
        var (ticks, count) = timings.ByJob[typeof(Sleeper)];
        Assert.That(count, Is.EqualTo(2));
        Assert.That(ticks, Is.GreaterThanOrEqualTo(2 * 20 * Stopwatch.Frequency / 1000 * 9 / 10), "both parts of each region are inside it");
        Assert.That(timings.ByJob[typeof(Counter)].Count, Is.EqualTo(1));
    }

    [Test]
    public void OneThreadIsNoRegionAndUnsetKeepsNothing()
    {
        using var compute = new Compute(2);
        var timings = compute.Timings = new RegionTimings();
        var counter = new Counter();
        compute.Run(ref counter, 1);
        Assert.That(timings.ByJob, Is.Empty, "one part runs on the caller: the rest of the step, not a region");

        compute.Timings = null;
        compute.Run(ref counter, 2);
        Assert.That(timings.ByJob, Is.Empty);
    }

    private struct Sleeper : IParallelJob
    {
        public int Milliseconds;

        public readonly void Execute(int part, int parts) => Thread.Sleep(Milliseconds);
    }

    private struct Counter : IParallelJob
    {
        public readonly void Execute(int part, int parts) { }
    }
}
