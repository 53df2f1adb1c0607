using System.Diagnostics;

namespace MlNetVae.Engine;

/// <summary>A unit of parallel work: <see cref="Execute"/> runs once for every part index.</summary>
/// <remarks>A struct passed by reference, so starting a parallel region allocates nothing.</remarks>
internal interface IParallelJob
{
    /// <summary>Does part <paramref name="part"/> of <paramref name="parts"/>; parts must not depend on each other.</summary>
    void Execute(int part, int parts);
}

internal sealed partial class Compute
{
    private WorkerPool? _pool;
    private volatile bool _disposed;

    /// <summary>When set, every region this context runs on more than one thread is timed (the benchmarks' profile); set it
    /// only while one thread uses the context.</summary>
    internal RegionTimings? Timings { get; set; }

    /// <summary>
    /// Runs <paramref name="job"/> split into <paramref name="parts"/> parts (at most <see cref="Threads"/>):
    /// part 0 on the calling thread, the others on persistent workers. Returns when every part is done.
    /// </summary>
    /// <remarks>
    /// If the workers are already busy (another thread is in a parallel region of this context, or a part
    /// itself starts one) the parts run one after another on the caller. Results never change with this,
    /// because parts are independent.
    /// </remarks>
    internal unsafe void Run<T>(ref T job, int parts) where T : unmanaged, IParallelJob
    {
        parts = Math.Min(parts, Threads);
        if (parts > 1 && !_disposed)
        {
            var pool = _pool ?? CreatePool();
            var timings = Timings;
            long start = timings is null ? 0 : Stopwatch.GetTimestamp();
            fixed (T* p = &job)
                if (pool.TryRun(p, &Execute<T>, parts))
                {
                    timings?.Add(typeof(T), Stopwatch.GetTimestamp() - start);
                    return;
                }
        }
        for (int i = 0; i < parts; i++) job.Execute(i, parts);
    }

    private static unsafe void Execute<T>(void* job, int part, int parts) where T : unmanaged, IParallelJob =>
        ((T*)job)->Execute(part, parts);

    private WorkerPool CreatePool()
    {
        var pool = new WorkerPool(Threads - 1);
        return Interlocked.CompareExchange(ref _pool, pool, null) is { } winner ? Stop(pool, winner) : pool;

        static WorkerPool Stop(WorkerPool loser, WorkerPool winner) { loser.Stop(); return winner; }
    }

    /// <summary>Stops the worker threads; the context then runs every job on the calling thread.</summary>
    public void Dispose()
    {
        _disposed = true;
        Interlocked.Exchange(ref _pool, null)?.Stop();
    }

    /// <summary>
    /// Background threads woken once per parallel region. A region is published by bumping a generation
    /// counter; workers spin briefly on it (back-to-back kernels in a training step then cost no wake-up)
    /// before sleeping on a monitor. Every worker acknowledges every generation, so a slow worker can never
    /// read the next region's job.
    /// </summary>
    private sealed unsafe class WorkerPool
    {
        // How long an idle worker spins before it sleeps: longer than the gap between two kernels of a
        // training step, short enough not to keep a core busy between steps.
        private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 us

        private readonly object _gate = new();
        private readonly int _workers;
        private void* _job;
        private delegate*<void*, int, int, void> _body;
        private int _parts;
        private int _generation;
        private int _pending;
        private int _sleepers;
        private int _busy;
        private volatile bool _stopped;

        public WorkerPool(int workers)
        {
            _workers = workers;
            for (int w = 1; w <= workers; w++)
            {
                var thread = new Thread(static state => ((Worker)state!).Loop()) { IsBackground = true, Name = $"MlNetVae compute {w}" };
                thread.Start(new Worker(this, w));
            }
        }

        public bool TryRun(void* job, delegate*<void*, int, int, void> body, int parts)
        {
            if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0) return false;
            _job = job;
            _body = body;
            _parts = parts;
            _pending = _workers;
            Interlocked.Increment(ref _generation); // full fence: the job is visible before the new generation
            if (Volatile.Read(ref _sleepers) > 0)
                lock (_gate) Monitor.PulseAll(_gate);
            body(job, 0, parts);
            var spin = new SpinWait();
            while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
            Volatile.Write(ref _busy, 0);
            return true;
        }

        public void Stop()
        {
            _stopped = true;
            lock (_gate) Monitor.PulseAll(_gate);
        }

        private sealed class Worker(WorkerPool pool, int index)
        {
            public void Loop()
            {
                int seen = 0;
                while (pool.WaitForGeneration(seen) is int generation)
                {
                    seen = generation;
                    if (index < pool._parts) pool._body(pool._job, index, pool._parts);
                    Interlocked.Decrement(ref pool._pending);
                }
            }
        }

        // The next generation after `seen`, or null once stopped.
        private int? WaitForGeneration(int seen)
        {
            long deadline = Stopwatch.GetTimestamp() + SpinTicks;
            var spin = new SpinWait();
            while (Volatile.Read(ref _generation) == seen && !_stopped && Stopwatch.GetTimestamp() < deadline)
                spin.SpinOnce(sleep1Threshold: -1);
            if (Volatile.Read(ref _generation) == seen && !_stopped)
            {
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleepers); // full fence, pairs with the one in TryRun
                    while (Volatile.Read(ref _generation) == seen && !_stopped) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleepers);
                }
            }
            return _stopped ? null : Volatile.Read(ref _generation);
        }
    }
}
