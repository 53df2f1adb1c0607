namespace MlNetVae.Engine;

/// <summary>Elementwise work over a range of its arrays (pointers held by the struct), for <see cref="Compute.ForRanges"/>.</summary>
internal interface IRangeBody
{
    /// <summary>Does elements [start, start + length).</summary>
    void Run(int start, int length);
}

internal sealed partial class Compute
{
    /// <summary>
    /// Elements per part below which a second thread costs more than it saves: waking it and waiting for it take a few
    /// microseconds, about what one core needs for this many floats of a memory-bound pass.
    /// </summary>
    internal const int MinRangePerPart = 32768;

    /// <summary>
    /// Runs <paramref name="body"/> over [0, <paramref name="length"/>) split into contiguous ranges, one per thread, each
    /// starting on a multiple of 16 elements. An elementwise body then gives the same result for any thread count: every
    /// element is computed by the same code, and the ragged tail (past the last multiple of 16) always falls in the last range.
    /// </summary>
    internal void ForRanges<T>(ref T body, int length) where T : unmanaged, IRangeBody
    {
        int parts = Math.Clamp(length / MinRangePerPart, 1, Threads);
        if (parts == 1)
        {
            body.Run(0, length);
            return;
        }
        var job = new RangeJob<T> { Body = body, Length = length };
        Run(ref job, parts);
    }

    private struct RangeJob<T> : IParallelJob where T : unmanaged, IRangeBody
    {
        public T Body;
        public int Length;

        public void Execute(int part, int parts)
        {
            int chunk = (Length / parts + 15) & ~15;
            int start = Math.Min(Length, part * chunk), end = part == parts - 1 ? Length : Math.Min(Length, start + chunk);
            if (end > start) Body.Run(start, end - start);
        }
    }
}
