namespace MlNetVae.Engine.Kernels;

/// <summary>
/// The innermost GEMM step: an MR x NR block of C from one packed A panel and one packed B panel.
/// One implementation per instruction set; the blocking code is generic over it, so each path is compiled
/// with its tile sizes as constants.
/// </summary>
internal unsafe interface IGemmMicroKernel
{
    /// <summary>Rows of C per tile: the height of a packed A panel.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of C per tile: the width of a packed B panel.</summary>
    static abstract int NR { get; }

    /// <summary>Columns per SIMD vector: threads split C's columns on multiples of it.</summary>
    static abstract int Lanes { get; }

    /// <summary>
    /// True when the kernel reads only the <c>rows</c> values of A of a step (not a whole zero-padded MR), so
    /// A panels can be read in place from a transposed A, unpacked.
    /// </summary>
    static abstract bool ReadsInPlace { get; }

    /// <summary>
    /// C[0..rows, 0..cols] = alpha * (A panel x B panel) + beta * C, reading C only when beta is not 0.
    /// The panels hold <paramref name="kc"/> steps of MR (A) and NR (B) floats, each step of A
    /// <paramref name="aStep"/> floats after the previous one (MR when packed, A's row stride when read in
    /// place); rows &lt;= MR, cols &lt;= NR.
    /// </summary>
    static abstract void Run(int kc, float* a, nint aStep, float* b, float* c, int ldc, int rows, int cols, float alpha, float beta);
}

/// <summary>A compile-time count: generic code over these structs is specialized per value by the JIT.</summary>
internal interface ICount { static abstract int Value { get; } }

internal readonly struct Count1 : ICount { public static int Value => 1; }
internal readonly struct Count2 : ICount { public static int Value => 2; }
internal readonly struct Count3 : ICount { public static int Value => 3; }
internal readonly struct Count4 : ICount { public static int Value => 4; }
internal readonly struct Count5 : ICount { public static int Value => 5; }
internal readonly struct Count6 : ICount { public static int Value => 6; }
internal readonly struct Count7 : ICount { public static int Value => 7; }
internal readonly struct Count8 : ICount { public static int Value => 8; }
internal readonly struct Count9 : ICount { public static int Value => 9; }
internal readonly struct Count10 : ICount { public static int Value => 10; }
internal readonly struct Count11 : ICount { public static int Value => 11; }
internal readonly struct Count12 : ICount { public static int Value => 12; }
