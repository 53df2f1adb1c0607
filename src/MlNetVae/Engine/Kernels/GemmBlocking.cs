using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MlNetVae.Engine.Kernels;

/// <summary>
/// One GEMM as a parallel job: the Goto/BLIS loop nest over cache blocks, generic over the micro-kernel.
/// Threads split C into disjoint ranges of whole vectors (columns) or whole tiles (rows); the k reduction is
/// never split and its blocking depends on k only, so every element of C is computed by the same sequence
/// of operations whatever the thread count.
/// </summary>
internal unsafe struct GemmJob<TKernel> : IParallelJob where TKernel : struct, IGemmMicroKernel
{
    // Depth of a block: a B micro-panel (NR x KC, 32 KB for 32 x 256 floats) stays in the 48 KB L1 while
    // every A micro-panel of the block streams past it.
    private const int KC = 256;
    // Rows of a packed A block (MC x KC, 480 KB) and columns of a packed B block (KC x NC, 1 MB): together
    // they stay in a 2 MB L2. Both are multiples of every kernel's MR and NR.
    private const int MC = 480, NC = 1024;

    public float* A, B, C;
    public int Lda, Ldb, Ldc, M, N, K;
    public bool TransA, TransB, SplitColumns;
    public float Alpha, Beta;
    // When not null: all of op(A), packed once by all threads together (see PackAShared), read by every part.
    private float* _sharedA;
    private bool _packingA;

    /// <summary>
    /// Runs the product on <paramref name="parts"/> threads. When the threads split the columns and all of A
    /// packed is no larger than one A block (a batch of 128 by 784: the VAE's forward and dX products), each
    /// thread would pack all of A; instead they first pack disjoint panels of it into one shared buffer.
    /// </summary>
    public void Run(Compute compute, int parts)
    {
        long sharedFloats = (long)Units(M, TKernel.MR) * TKernel.MR * K;
        if (parts > 1 && SplitColumns && PacksA && M <= MC && sharedFloats <= MC * KC)
        {
            _sharedA = GemmBuffers.Get(GemmBuffers.Shared, (int)sharedFloats);
            _packingA = true;
            compute.Run(ref this, parts);
            _packingA = false;
        }
        compute.Run(ref this, parts);
    }

    // A transposed A holds each step's MR values of op(A) contiguously (A^T[i.., p] = A[p, i..]), so the kernel
    // reads its panels where they are, saving the copy: the layout differs from a packed panel only in the
    // stride between steps. B is always packed, even where a plain B's rows would serve the same way: a B
    // panel is read once per A panel, and in place its kc steps lie on as many 4 KB pages (kc * ldb floats
    // apart), more than the L1 TLB holds, which measured slower than copying it. Depends on the transposes
    // only, so never on the thread count.
    private readonly bool PacksA => !TransA || !TKernel.ReadsInPlace;

    /// <summary>How many parts are worth it: at least 2^17 multiply-adds each (about 10 us), one per unit of C.</summary>
    public readonly int UsefulParts(int threads)
    {
        long work = (long)M * N * K;
        int units = SplitColumns ? Units(N, TKernel.Lanes) : Units(M, TKernel.MR);
        return (int)Math.Clamp(work >> 17, 1, Math.Min(threads, units));
    }

    public readonly void Execute(int part, int parts)
    {
        if (_packingA) PackAShared(part, parts);
        else if (SplitColumns)
        {
            var (j0, j1) = Range(N, TKernel.Lanes, part, parts);
            Block(0, M, j0, j1);
        }
        else
        {
            var (i0, i1) = Range(M, TKernel.MR, part, parts);
            Block(i0, i1, 0, N);
        }
    }

    private static int Units(int length, int unit) => (length + unit - 1) / unit;

    private static (int Start, int End) Range(int length, int unit, int part, int parts)
    {
        int units = Units(length, unit);
        return (Math.Min(length, unit * (int)((long)units * part / parts)), Math.Min(length, unit * (int)((long)units * (part + 1) / parts)));
    }

    // The depth of every k block but the last: equal depths, so no thin last block. Depends on k only.
    private static int BlockDepth(int k) => Units(k, Units(k, KC));

    // Part of the A panels of every k block, laid out as Block would pack them, block after block.
    private readonly void PackAShared(int part, int parts)
    {
        int mr = TKernel.MR, panels = Units(M, mr), kcMax = BlockDepth(K);
        var (u0, u1) = Range(panels * Units(K, kcMax), 1, part, parts);
        for (int u = u0; u < u1; u++)
        {
            int pc = u / panels * kcMax, i = u % panels * mr;
            int kc = Math.Min(kcMax, K - pc);
            float* aBlock = TransA ? A + (long)pc * Lda + i : A + (long)i * Lda + pc;
            GemmPacking.Pack(aBlock, Lda, !TransA, Math.Min(mr, M - i), kc, mr, _sharedA + (long)panels * mr * pc + i * kc);
        }
    }

    // C[i0..i1, j0..j1] from all of k.
    private readonly void Block(int i0, int i1, int j0, int j1)
    {
        if (i0 >= i1 || j0 >= j1) return;
        int mr = TKernel.MR, nr = TKernel.NR;
        int kcMax = BlockDepth(K);
        bool packsA = PacksA;
        int mcMax = Math.Min(MC, Units(i1 - i0, mr) * mr), ncMax = Math.Min(NC, Units(j1 - j0, nr) * nr);
        float* packedB = GemmBuffers.Get(GemmBuffers.Own, (_sharedA == null && packsA ? mcMax * kcMax : 0) + ncMax * kcMax);
        float* packedA = packedB + ncMax * kcMax;
        nint aStep = packsA ? mr : Lda;
        for (int jc = j0; jc < j1; jc += NC)
        {
            int nc = Math.Min(NC, j1 - jc);
            for (int pc = 0; pc < K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, K - pc);
                float beta = pc == 0 ? Beta : 1f; // later depth blocks accumulate onto the first
                float* bBlock = TransB ? B + (long)jc * Ldb + pc : B + (long)pc * Ldb + jc;
                GemmPacking.Pack(bBlock, Ldb, TransB, nc, kc, nr, packedB);
                for (int ic = i0; ic < i1; ic += MC)
                {
                    int mc = Math.Min(MC, i1 - ic);
                    float* aBlock = TransA ? A + (long)pc * Lda + ic : A + (long)ic * Lda + pc;
                    if (!packsA) packedA = aBlock;
                    else if (_sharedA != null) packedA = _sharedA + (long)Units(M, mr) * mr * pc;
                    else GemmPacking.Pack(aBlock, Lda, !TransA, mc, kc, mr, packedA);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        float* bPanel = packedB + jr * kc;
                        float* cColumn = C + (long)ic * Ldc + jc + jr;
                        for (int ir = 0; ir < mc; ir += mr)
                            TKernel.Run(kc, packedA + (packsA ? ir * kc : ir), aStep, bPanel, cColumn + (long)ir * Ldc, Ldc,
                                Math.Min(mr, mc - ir), Math.Min(nr, nc - jr), Alpha, beta);
                    }
                }
            }
        }
    }
}

/// <summary>Per-thread packing memory: allocated on a thread's first GEMM, grown rarely, never freed per call.</summary>
internal static unsafe class GemmBuffers
{
    /// <summary>The slot for a thread's own packed blocks.</summary>
    public const int Own = 0;
    /// <summary>The slot for a packed A the calling thread shares with the workers.</summary>
    public const int Shared = 1;

    [ThreadStatic] private static float[]?[]? t_buffers;

    /// <summary>At least <paramref name="floats"/> floats, 64-byte aligned (a cache line, a zmm load).</summary>
    public static float* Get(int slot, int floats)
    {
        var buffers = t_buffers ??= new float[]?[2];
        var buffer = buffers[slot];
        if (buffer is null || buffer.Length < floats + 16)
            buffers[slot] = buffer = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((start + 63) & ~(nint)63);
    }
}
