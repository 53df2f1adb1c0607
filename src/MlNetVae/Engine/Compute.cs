namespace MlNetVae.Engine;

/// <summary>Which SIMD code path the kernels use. <see cref="Auto"/> picks the widest the CPU supports.</summary>
internal enum Isa
{
    /// <summary>The widest path the CPU supports.</summary>
    Auto,
    /// <summary>Vector512 (AVX-512F).</summary>
    Avx512,
    /// <summary>Vector256 with FMA (AVX2 + FMA3).</summary>
    Avx2,
    /// <summary>Plain scalar code; always available.</summary>
    Scalar,
}

/// <summary>
/// Where kernels run: how many threads they may use and which instruction set they target.
/// Results do not depend on the thread count (work is split so that every output element is
/// computed by one thread in a fixed order), so the same seed gives the same weights on 1 or N threads.
/// A context with more than one thread owns worker threads: dispose it, or use the process-wide <see cref="Shared"/> ones.
/// </summary>
internal sealed partial class Compute : IDisposable
{
    /// <summary>Creates a context.</summary>
    /// <param name="threads">Threads kernels may use; 0 means all cores.</param>
    /// <param name="isa">Forces a code path; a path the CPU lacks is an error.</param>
    public Compute(int threads = 0, Isa isa = Isa.Auto)
    {
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "thread count must be 0 (all cores) or positive");
        Threads = threads == 0 ? Environment.ProcessorCount : threads;
        Isa = Resolve(isa);
    }

    /// <summary>A shared context using all cores and the best instruction set.</summary>
    public static Compute Default => Shared(0);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, Compute> s_shared = new();

    /// <summary>
    /// The process-wide context of <paramref name="threads"/> threads (0 = all cores) on the best instruction set: worker
    /// threads are a process resource, like the .NET thread pool, so every model, scorer and transformer of the same thread
    /// count shares one set instead of starting its own. Never disposed.
    /// </summary>
    public static Compute Shared(int threads) =>
        s_shared.GetOrAdd(threads == 0 ? Environment.ProcessorCount : threads, t => new Compute(t));

    /// <summary>Threads kernels may use.</summary>
    public int Threads { get; }

    /// <summary>The instruction set kernels use (never <see cref="Isa.Auto"/>).</summary>
    public Isa Isa { get; }

    private static readonly Compute?[] s_serial = new Compute?[4];

    /// <summary>
    /// A one-thread context on <paramref name="isa"/> (supported by the CPU), for kernels called from inside a part
    /// of a parallel job, which must run on that part's thread. Created once per instruction set; it starts no threads.
    /// </summary>
    internal static Compute Serial(Isa isa) => s_serial[(int)isa] ??= new Compute(1, isa);

    /// <summary>True when the CPU can run <paramref name="isa"/>.</summary>
    public static bool IsSupported(Isa isa) => isa switch
    {
        Isa.Avx512 => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported,
        Isa.Avx2 => System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported,
        _ => true,
    };

    private static Isa Resolve(Isa isa)
    {
        if (isa == Isa.Auto)
            return IsSupported(Isa.Avx512) ? Isa.Avx512 : IsSupported(Isa.Avx2) ? Isa.Avx2 : Isa.Scalar;
        if (!IsSupported(isa)) throw new PlatformNotSupportedException($"this CPU cannot run the {isa} code path");
        return isa;
    }
}
