using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MlNetVae.Engine.Kernels;

/// <summary>
/// Products with at most <see cref="MaxRows"/> rows of C, such as a batch-1 forward pass. Packing would copy
/// all of B to use each element at most MaxRows times, so nothing is packed: with op(B) = B^T (the Linear
/// forward x W^T) every element of C is a dot product of two contiguous rows; with op(B) = B each row of C
/// accumulates the rows of B scaled by A (row axpy). AVX-512 only; the other instruction sets take the packed
/// path. An element is computed by the same operations in the same order whichever thread takes it.
/// </summary>
[SkipLocalsInit]
internal unsafe struct GemmSmallJob : IParallelJob
{
    /// <summary>The most rows of C this path takes; the choice depends on the shape only.</summary>
    public const int MaxRows = 4;
    // What a thread takes at a time: 8 rows of B^T (8 dot products share each load of A), or 64 columns of B.
    private const int DotGroup = 8, AxpyGroup = 64;

    private float* _a, _b, _c;
    private int _lda, _ldb, _ldc, _m, _n, _k;
    private bool _transB;
    private float _alpha, _beta;

    public static void Run(Compute compute, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (transA)
        {
            // op(A)'s rows are columns of A: gather them once (m * k floats, small next to B's n * k).
            float* rows = GemmBuffers.Get(GemmBuffers.Shared, m * k);
            for (int p = 0; p < k; p++)
                for (int i = 0; i < m; i++) rows[i * k + p] = a[(long)p * lda + i];
            a = rows;
            lda = k;
        }
        var job = new GemmSmallJob
        {
            _a = a, _b = b, _c = c, _lda = lda, _ldb = ldb, _ldc = ldc, _m = m, _n = n, _k = k,
            _transB = transB, _alpha = alpha, _beta = beta,
        };
        // As the packed path: at least 2^17 multiply-adds per part, one group of columns per part at least.
        long work = (long)m * n * k;
        int groups = (n + job.Group - 1) / job.Group;
        compute.Run(ref job, (int)Math.Clamp(work >> 17, 1, Math.Min(compute.Threads, groups)));
    }

    private readonly int Group => _transB ? DotGroup : AxpyGroup;

    public readonly void Execute(int part, int parts)
    {
        int groups = (_n + Group - 1) / Group;
        int j0 = Math.Min(_n, Group * (int)((long)groups * part / parts));
        int j1 = Math.Min(_n, Group * (int)((long)groups * (part + 1) / parts));
        if (_transB) Dots(j0, j1);
        else Axpys(j0, j1);
    }

    // C[:, j0..j1] as dot products of op(A)'s rows with B's rows j0..j1. A group of 8 B rows (25 KB at k = 784)
    // stays in L1 while every row of A passes it.
    private readonly void Dots(int j0, int j1)
    {
        int j = j0;
        for (; j + DotGroup <= j1; j += DotGroup)
            for (int i = 0; i < _m; i++)
                Dot8(_k, _a + (long)i * _lda, _b + (long)j * _ldb, _ldb, _c + (long)i * _ldc + j, _alpha, _beta);
        for (; j < j1; j++)
            for (int i = 0; i < _m; i++)
                Dot1(_k, _a + (long)i * _lda, _b + (long)j * _ldb, _c + (long)i * _ldc + j, _alpha, _beta);
    }

    // Eight dot products sharing each load of a: 8 independent FMA chains hide the FMA latency, 9 loads per 8
    // FMAs. Each sum is a vector of 16 partial sums over k, reduced, then the last k % 16 products one by one.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot8(int k, float* a, float* b, int ldb, float* c, float alpha, float beta)
    {
        float* b0 = b, b1 = b + ldb, b2 = b1 + ldb, b3 = b2 + ldb, b4 = b3 + ldb, b5 = b4 + ldb, b6 = b5 + ldb, b7 = b6 + ldb;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        int p = 0;
        for (; p <= k - 16; p += 16)
        {
            var x = Vector512.Load(a + p);
            s0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b0 + p), s0);
            s1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b1 + p), s1);
            s2 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b2 + p), s2);
            s3 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b3 + p), s3);
            s4 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b4 + p), s4);
            s5 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b5 + p), s5);
            s6 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b6 + p), s6);
            s7 = Vector512.FusedMultiplyAdd(x, Vector512.Load(b7 + p), s7);
        }
        float t0 = Vector512.Sum(s0), t1 = Vector512.Sum(s1), t2 = Vector512.Sum(s2), t3 = Vector512.Sum(s3),
            t4 = Vector512.Sum(s4), t5 = Vector512.Sum(s5), t6 = Vector512.Sum(s6), t7 = Vector512.Sum(s7);
        for (; p < k; p++)
        {
            float x = a[p];
            t0 = MathF.FusedMultiplyAdd(x, b0[p], t0);
            t1 = MathF.FusedMultiplyAdd(x, b1[p], t1);
            t2 = MathF.FusedMultiplyAdd(x, b2[p], t2);
            t3 = MathF.FusedMultiplyAdd(x, b3[p], t3);
            t4 = MathF.FusedMultiplyAdd(x, b4[p], t4);
            t5 = MathF.FusedMultiplyAdd(x, b5[p], t5);
            t6 = MathF.FusedMultiplyAdd(x, b6[p], t6);
            t7 = MathF.FusedMultiplyAdd(x, b7[p], t7);
        }
        Merge(c, t0, alpha, beta);
        Merge(c + 1, t1, alpha, beta);
        Merge(c + 2, t2, alpha, beta);
        Merge(c + 3, t3, alpha, beta);
        Merge(c + 4, t4, alpha, beta);
        Merge(c + 5, t5, alpha, beta);
        Merge(c + 6, t6, alpha, beta);
        Merge(c + 7, t7, alpha, beta);
    }

    // One dot product by exactly Dot8's sequence of operations, for the B rows past the last group of 8.
    private static void Dot1(int k, float* a, float* b, float* c, float alpha, float beta)
    {
        Vector512<float> s = default;
        int p = 0;
        for (; p <= k - 16; p += 16) s = Vector512.FusedMultiplyAdd(Vector512.Load(a + p), Vector512.Load(b + p), s);
        float t = Vector512.Sum(s);
        for (; p < k; p++) t = MathF.FusedMultiplyAdd(a[p], b[p], t);
        Merge(c, t, alpha, beta);
    }

    // C[:, j0..j1] by row axpy: every element is one FMA chain over k in order, so the 64-column blocks, the
    // 16-column blocks and the scalar tail all give the same bits.
    private readonly void Axpys(int j0, int j1)
    {
        int j = j0;
        for (; j + AxpyGroup <= j1; j += AxpyGroup) AxpyRows<Count4>(j);
        for (; j + 16 <= j1; j += 16) AxpyRows<Count1>(j);
        for (; j < j1; j++)
            for (int i = 0; i < _m; i++)
            {
                float* a = _a + (long)i * _lda, b = _b + j;
                float t = 0;
                for (int p = 0; p < _k; p++, b += _ldb) t = MathF.FusedMultiplyAdd(a[p], *b, t);
                Merge(_c + (long)i * _ldc + j, t, _alpha, _beta);
            }
    }

    private readonly void AxpyRows<TV>(int j) where TV : ICount
    {
        float* b = _b + j, c = _c + j;
        switch (_m)
        {
            case 4: Axpy<Count4, TV>(_k, _a, _lda, b, _ldb, c, _ldc, _alpha, _beta); break;
            case 3: Axpy<Count3, TV>(_k, _a, _lda, b, _ldb, c, _ldc, _alpha, _beta); break;
            case 2: Axpy<Count2, TV>(_k, _a, _lda, b, _ldb, c, _ldc, _alpha, _beta); break;
            default: Axpy<Count1, TV>(_k, _a, _lda, b, _ldb, c, _ldc, _alpha, _beta); break;
        }
    }

    // TR rows x TV vectors of C: per k step, TV loads of B's row serve TR broadcasts of A.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Axpy<TR, TV>(int k, float* a, int lda, float* b, int ldb, float* c, int ldc, float alpha, float beta)
        where TR : ICount where TV : ICount
    {
        float* a0 = a, a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default,
            c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        for (int p = 0; p < k; p++, b += ldb)
        {
            var v0 = Vector512.Load(b);
            var v1 = TV.Value > 1 ? Vector512.Load(b + 16) : default;
            var v2 = TV.Value > 1 ? Vector512.Load(b + 32) : default;
            var v3 = TV.Value > 1 ? Vector512.Load(b + 48) : default;
            var x = Vector512.Create(a0[p]);
            c00 = Vector512.FusedMultiplyAdd(x, v0, c00);
            if (TV.Value > 1)
            {
                c01 = Vector512.FusedMultiplyAdd(x, v1, c01);
                c02 = Vector512.FusedMultiplyAdd(x, v2, c02);
                c03 = Vector512.FusedMultiplyAdd(x, v3, c03);
            }
            if (TR.Value > 1)
            {
                x = Vector512.Create(a1[p]);
                c10 = Vector512.FusedMultiplyAdd(x, v0, c10);
                if (TV.Value > 1)
                {
                    c11 = Vector512.FusedMultiplyAdd(x, v1, c11);
                    c12 = Vector512.FusedMultiplyAdd(x, v2, c12);
                    c13 = Vector512.FusedMultiplyAdd(x, v3, c13);
                }
            }
            if (TR.Value > 2)
            {
                x = Vector512.Create(a2[p]);
                c20 = Vector512.FusedMultiplyAdd(x, v0, c20);
                if (TV.Value > 1)
                {
                    c21 = Vector512.FusedMultiplyAdd(x, v1, c21);
                    c22 = Vector512.FusedMultiplyAdd(x, v2, c22);
                    c23 = Vector512.FusedMultiplyAdd(x, v3, c23);
                }
            }
            if (TR.Value > 3)
            {
                x = Vector512.Create(a3[p]);
                c30 = Vector512.FusedMultiplyAdd(x, v0, c30);
                if (TV.Value > 1)
                {
                    c31 = Vector512.FusedMultiplyAdd(x, v1, c31);
                    c32 = Vector512.FusedMultiplyAdd(x, v2, c32);
                    c33 = Vector512.FusedMultiplyAdd(x, v3, c33);
                }
            }
        }
        MergeRow<TV>(c, c00, c01, c02, c03, alpha, beta);
        if (TR.Value > 1) MergeRow<TV>(c + ldc, c10, c11, c12, c13, alpha, beta);
        if (TR.Value > 2) MergeRow<TV>(c + 2 * ldc, c20, c21, c22, c23, alpha, beta);
        if (TR.Value > 3) MergeRow<TV>(c + 3 * ldc, c30, c31, c32, c33, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MergeRow<TV>(float* c, Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3,
        float alpha, float beta) where TV : ICount
    {
        Merge(c, s0, alpha, beta);
        if (TV.Value > 1)
        {
            Merge(c + 16, s1, alpha, beta);
            Merge(c + 32, s2, alpha, beta);
            Merge(c + 48, s3, alpha, beta);
        }
    }

    // The micro-kernels' merge: alpha * sum, plus beta * C read only when beta is not 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Merge(float* c, Vector512<float> sum, float alpha, float beta)
    {
        sum *= alpha;
        if (beta != 0) sum = Vector512.FusedMultiplyAdd(Vector512.Load(c), Vector512.Create(beta), sum);
        sum.Store(c);
    }

    // Merge for one element, bit for bit the same as a lane of the vector one.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Merge(float* c, float sum, float alpha, float beta) =>
        *c = beta == 0 ? sum * alpha : MathF.FusedMultiplyAdd(*c, beta, sum * alpha);
}
