using MlNetVae.Engine;
using MlNetVae.Engine.Kernels;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Kernels;

public class GemmTests
{
    private static readonly int[] Sizes = [1, 3, 17, 63, 64, 65, 127, 400, 784];
    private static readonly int[] ThreadCounts = [1, 2, 3];
    private static readonly float[] Betas = [0f, 1f, 0.5f];
    private const float Alpha = 1.5f;

    // Every size in each of m, n and k against small partners, in all four transpose combinations and with
    // row strides wider than the rows.
    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            foreach (int s in Sizes)
            {
                yield return Case(ta, tb, s, 17, 65, pad: 7);
                yield return Case(ta, tb, 65, s, 17, pad: 7);
                yield return Case(ta, tb, 17, 65, s, pad: 7);
            }
            yield return Case(ta, tb, 127, 63, 64, pad: 0);
            yield return Case(ta, tb, 64, 127, 63, pad: 0);
            yield return Case(ta, tb, 63, 64, 127, pad: 0);
            yield return Case(ta, tb, 1, 1, 1, pad: 0);
            yield return Case(ta, tb, 3, 1, 784, pad: 1);
            yield return Case(ta, tb, 1, 784, 3, pad: 1);
            // At most 4 rows of C take the unpacked small path (on AVX-512): each row count against column
            // counts that end in every kind of group (8 dot products, 64 and 16 axpy columns, a scalar tail)
            // and depths with and without a k % 16 tail; the fifth row is the packed path's again.
            foreach (int rows in new[] { 1, 2, 3, 4, 5 })
            {
                yield return Case(ta, tb, rows, 400, 784, pad: 0);
                yield return Case(ta, tb, rows, 85, 20, pad: 3);
                yield return Case(ta, tb, rows, 7, 63, pad: 1);
            }
        }
        // Two of the VAE's own products (the other four are in the thread-count test): several k blocks, a
        // shared packed A, tall C.
        yield return Case(false, true, 128, 400, 784, pad: 0);
        yield return Case(true, false, 400, 784, 128, pad: 0);
        yield return Case(true, true, 127, 400, 65, pad: 3);
    }

    private static TestCaseData Case(bool ta, bool tb, int m, int n, int k, int pad) =>
        new TestCaseData(ta, tb, m, n, k, pad).SetName($"Gemm {(ta ? 'T' : 'N')}{(tb ? 'T' : 'N')} m={m} n={n} k={k} pad={pad}");

    [TestCaseSource(nameof(Cases))]
    public void MatchesReferenceOnEveryPathAndThreadCount(bool ta, bool tb, int m, int n, int k, int pad)
    {
        var p = Problem.Create(ta, tb, m, n, k, pad, seed: m * 31 + n * 7 + k);
        // Per element, float32 accumulation of k products errs by at most about k ulps of sum |a||b|.
        var bound = new float[p.C.Length];
        GemmReference.Multiply(ta, tb, m, n, k, Math.Abs(Alpha), Abs(p.A), p.Lda, Abs(p.B), p.Ldb, 0f, bound, p.Ldc);
        // The naive reference dominates the run time, so the largest products try one beta; small ones try all.
        foreach (float beta in (long)m * n * k > 4_000_000 ? [0.5f] : Betas)
        {
            var before = beta == 0 ? Filled(p.C.Length, float.NaN) : p.C;
            var expected = (float[])before.Clone();
            GemmReference.Multiply(ta, tb, m, n, k, Alpha, p.A, p.Lda, p.B, p.Ldb, beta, expected, p.Ldc);
            foreach (var compute in Contexts())
            {
                var actual = (float[])before.Clone();
                Gemm.Multiply(compute, ta, tb, m, n, k, Alpha, p.A, p.Lda, p.B, p.Ldb, beta, actual, p.Ldc);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                    {
                        int e = i * p.Ldc + j;
                        double tolerance = (k + 4) * Math.Pow(2, -24) * (bound[e] + (beta == 0 ? 0 : Math.Abs(beta * before[e]))) + 1e-30;
                        if (!(Math.Abs(actual[e] - expected[e]) <= tolerance))
                            Assert.Fail($"{compute.Isa} x{compute.Threads} beta={beta}: C[{i},{j}] = {actual[e]}, expected {expected[e]} (tolerance {tolerance:g3})");
                    }
                for (int e = 0; e < actual.Length; e++)
                    if (e % p.Ldc >= n && !actual[e].Equals(before[e]))
                        Assert.Fail($"{compute.Isa} x{compute.Threads}: wrote into the padding of C at {e}");
            }
        }
    }

    [TestCase(false, true, 128, 400, 784)]
    [TestCase(false, true, 128, 784, 400)]
    [TestCase(false, false, 128, 784, 400)]
    [TestCase(false, false, 128, 400, 784)]
    [TestCase(true, false, 400, 784, 128)]
    [TestCase(true, false, 784, 400, 128)]
    [TestCase(true, true, 301, 259, 517)]
    [TestCase(false, true, 1, 400, 784)]
    [TestCase(false, false, 3, 785, 400)]
    [TestCase(true, true, 4, 403, 130)]
    public void ThreadCountDoesNotChangeABit(bool ta, bool tb, int m, int n, int k)
    {
        var p = Problem.Create(ta, tb, m, n, k, pad: 0, seed: 5);
        foreach (var isa in SupportedIsas())
        {
            float[]? first = null;
            foreach (int threads in ThreadCounts)
            {
                var c = (float[])p.C.Clone();
                Gemm.Multiply(Context(isa, threads), ta, tb, m, n, k, Alpha, p.A, p.Lda, p.B, p.Ldb, 0.5f, c, p.Ldc);
                first ??= c;
                Assert.That(c, Is.EqualTo(first).AsCollection, $"{isa} on {threads} threads differs from 1 thread");
            }
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    public void SteadyStateAllocatesNothing(int threads)
    {
        const int Calls = 50;
        var p = Problem.Create(false, true, 128, 400, 784, pad: 0, seed: 9);
        var compute = Context(Compute.Default.Isa, threads);
        void Call() => Gemm.Multiply(compute, false, true, 128, 400, 784, 1f, p.A, p.Lda, p.B, p.Ldb, 0f, p.C, p.Ldc);
        // Warm up long enough for tiered compilation to finish (its background compiles allocate).
        var warmUp = System.Diagnostics.Stopwatch.StartNew();
        while (warmUp.ElapsedMilliseconds < 500) Call();

        // Exact: what the caller and each worker thread allocated.
        long perThread = ThreadAllocations(compute);
        for (int i = 0; i < Calls; i++) Call();
        Assert.That(ThreadAllocations(compute) - perThread, Is.Zero, "the caller or a worker allocated");
    }

    // Sum over the threads of a context of the bytes each has allocated, read on each thread through the
    // context's own parallel mechanism (part i runs on thread i).
    private static unsafe long ThreadAllocations(Compute compute)
    {
        long* bytes = stackalloc long[compute.Threads];
        var probe = new AllocationProbe { Bytes = bytes };
        compute.Run(ref probe, compute.Threads);
        long sum = 0;
        for (int i = 0; i < compute.Threads; i++) sum += bytes[i];
        return sum;
    }

    private unsafe struct AllocationProbe : IParallelJob
    {
        public long* Bytes;

        public readonly void Execute(int part, int parts) => Bytes[part] = GC.GetAllocatedBytesForCurrentThread();
    }

    [Test]
    public void RejectsSpansTooShortForTheirShape()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(Compute.Default, false, false, 2, 3, 4, 1f, new float[7], 4, new float[12], 3, 0f, new float[6], 3));
        Assert.That(ex!.Message, Does.Contain("a holds 7 floats"));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Gemm.Multiply(Compute.Default, false, true, 2, 3, 4, 1f, new float[8], 4, new float[12], 3, 0f, new float[6], 3));
        Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(Compute.Default, false, false, 2, 3, 4, 1f, new float[8], 4, new float[12], 3, 0f, new float[5], 3));
    }

    [Test]
    public void ZeroDepthScalesC()
    {
        float[] c = [1, 2, float.NaN, 4];
        Gemm.Multiply(Compute.Default, false, false, 2, 1, 0, 1f, [], 1, [], 1, 0.5f, c, 2);
        Assert.That(c, Is.EqualTo(new[] { 0.5f, 2, float.NaN, 4 }).AsCollection);
    }

    private sealed record Problem(float[] A, int Lda, float[] B, int Ldb, float[] C, int Ldc)
    {
        public static Problem Create(bool ta, bool tb, int m, int n, int k, int pad, int seed)
        {
            var rng = new Random(seed);
            int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
            return new Problem(Random(rng, (ta ? k : m) * lda), lda, Random(rng, (tb ? n : k) * ldb), ldb, Random(rng, m * ldc), ldc);
        }

        private static float[] Random(Random rng, int length)
        {
            var x = new float[length];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
            return x;
        }
    }

    private static float[] Abs(float[] x) => x.Select(Math.Abs).ToArray();

    private static float[] Filled(int length, float value) => Enumerable.Repeat(value, length).ToArray();

    private static IEnumerable<Isa> SupportedIsas() => new[] { Isa.Scalar, Isa.Avx2, Isa.Avx512 }.Where(Compute.IsSupported);

    private static IEnumerable<Compute> Contexts() =>
        from isa in SupportedIsas() from threads in ThreadCounts select Context(isa, threads);

    // One context per (isa, threads) for the whole run: each owns worker threads.
    private static readonly Dictionary<(Isa, int), Compute> s_contexts = [];

    private static Compute Context(Isa isa, int threads)
    {
        lock (s_contexts)
        {
            if (!s_contexts.TryGetValue((isa, threads), out var compute))
                s_contexts[(isa, threads)] = compute = new Compute(threads, isa);
            return compute;
        }
    }
}
