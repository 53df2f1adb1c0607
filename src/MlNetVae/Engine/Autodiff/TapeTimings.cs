using System.Diagnostics;

namespace MlNetVae.Engine.Autodiff;

/// <summary>
/// Timestamps (<see cref="Stopwatch"/> ticks) a <see cref="Tape"/> takes when <see cref="Tape.Timings"/> is set, which
/// the benchmarks' profile turns into time per op kind: node i's forward runs from <see cref="Recorded"/>[i] to
/// <see cref="Recorded"/>[i + 1] (the last one's to <see cref="BackwardCall"/>), clearing the gradients from
/// <see cref="BackwardCall"/> to <see cref="BackwardStart"/>, and node i's backward ends at <see cref="BackwardEnd"/>[i].
/// Positions past the capacity are not stamped.
/// </summary>
internal sealed class TapeTimings(int capacity)
{
    public long[] Recorded { get; } = new long[capacity];

    public long[] BackwardEnd { get; } = new long[capacity];

    public long BackwardCall { get; private set; }

    public long BackwardStart { get; private set; }

    public void Recording(int position)
    {
        if (position < Recorded.Length) Recorded[position] = Stopwatch.GetTimestamp();
    }

    public void BackwardCalled() => BackwardCall = Stopwatch.GetTimestamp();

    public void BackwardStarts() => BackwardStart = Stopwatch.GetTimestamp();

    public void BackwardDone(int position)
    {
        if (position < BackwardEnd.Length) BackwardEnd[position] = Stopwatch.GetTimestamp();
    }
}
