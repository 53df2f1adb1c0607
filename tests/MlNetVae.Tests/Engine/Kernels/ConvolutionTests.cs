using MlNetVae.Backends;
using MlNetVae.Engine;
using MlNetVae.Engine.Kernels;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Kernels;

/// <summary>
/// The im2col kernels against the direct loops of <see cref="ConvolutionReference"/>, forward and every gradient,
/// on every instruction set and several thread counts, over geometries that cover 1, 3 and 8 channels, odd and even
/// image sizes, kernels 1 to 5, strides 1 to 3, padding 0 to 2, output padding, one and several chunks of images.
/// </summary>
public class ConvolutionTests
{
    private static readonly int[] ThreadCounts = [1, 2, 3];

    // (in channels, height, width, out channels, kernel h, kernel w, stride, padding, output padding, batch).
    // Output padding only affects the transposed convolution, which also reads the image size as its input.
    private static readonly (int C, int H, int W, int O, int Kh, int Kw, int S, int P, int Op, int Batch)[] Shapes =
    [
        (1, 28, 28, 8, 4, 4, 2, 1, 0, 7),   // the first layer of a 28x28 encoder (its mirror: 8x28x28 -> 1x56x56)
        (8, 14, 14, 16, 4, 4, 2, 1, 1, 7),  // the second: 49 pixels, chunks of 4 and 3 images; and a 14 -> 29 transposed one
        (16, 7, 7, 8, 4, 4, 2, 1, 0, 1),    // 7 -> 3, and the decoder's 7 -> 14
        (3, 7, 7, 8, 3, 3, 1, 1, 0, 7),     // same-size 3x3
        (3, 5, 3, 8, 3, 3, 1, 0, 0, 7),     // 5x3 -> 3x1
        (8, 5, 3, 3, 1, 1, 1, 0, 0, 7),     // 1x1 kernel, 3 filters: the unpacked small GEMM
        (1, 7, 7, 3, 5, 5, 3, 2, 2, 7),     // stride 3 with output padding 2
        (3, 8, 6, 1, 4, 3, 3, 1, 1, 7),     // a 4x3 kernel, one output channel
        (3, 6, 9, 8, 5, 5, 2, 2, 1, 1),     // padding 2 on both sides of a 5x5 kernel
        (1, 3, 5, 1, 3, 3, 2, 2, 1, 1),     // padding wider than the image: whole windows of zeros
        (3, 28, 28, 8, 5, 5, 1, 2, 0, 1),   // 28x28 same-size 5x5
        (8, 28, 28, 8, 4, 4, 1, 1, 0, 7),   // 27x27 outputs, one image per chunk, 7 groups for the weight gradient
        (8, 28, 28, 4, 5, 5, 1, 2, 0, 3),   // 200 x 784 im2col per image
    ];

    private static IEnumerable<TestCaseData> Cases() =>
        Shapes.Select(s => new TestCaseData(s.C, s.H, s.W, s.O, s.Kh, s.Kw, s.S, s.P, s.Op, s.Batch)
            .SetName($"{s.C}x{s.H}x{s.W} -> {s.O} k{s.Kh}x{s.Kw} s{s.S} p{s.P} op{s.Op} batch {s.Batch}"));

    [TestCaseSource(nameof(Cases))]
    public void Conv2dMatchesDirectLoops(int c, int h, int w, int o, int kh, int kw, int s, int p, int op, int batch) =>
        Check(ConvGeometry.Conv2d(c, h, w, o, kh, kw, s, p), batch);

    [TestCaseSource(nameof(Cases))]
    public void ConvTranspose2dMatchesDirectLoops(int c, int h, int w, int o, int kh, int kw, int s, int p, int op, int batch) =>
        Check(ConvGeometry.ConvTranspose2d(c, h, w, o, kh, kw, s, p, op), batch);

    [TestCase(false)]
    [TestCase(true)]
    public void ThreadCountDoesNotChangeABit(bool transposed)
    {
        var g = transposed ? ConvGeometry.ConvTranspose2d(16, 7, 7, 8, 4, 4, 2, 1, 1) : ConvGeometry.Conv2d(8, 28, 28, 16, 4, 4, 2, 1);
        var d = Data.Create(g, 13, seed: 3);
        foreach (var isa in SupportedIsas())
        {
            float[]? first = null;
            foreach (int threads in ThreadCounts)
            {
                var all = Fast(Context(isa, threads), g, d).SelectMany(a => a).ToArray();
                first ??= all;
                Assert.That(all, Is.EqualTo(first).AsCollection, $"{isa} on {threads} threads differs from 1 thread");
            }
        }
    }

    [Test]
    public void TransposedConvolutionIsTheAdjointOfConvolution()
    {
        // <conv(x), y> = <x, convT(y)> with one weight: [out, in, kh, kw] for one is [in, out, kh, kw] for the other.
        var conv = ConvGeometry.Conv2d(3, 10, 9, 5, 3, 4, 2, 1); // 10x9 -> 5x4: the last row and column are never read
        var transposed = ConvGeometry.ConvTranspose2d(5, conv.OutHeight, conv.OutWidth, 3, 3, 4, 2, 1, outputPadding: 1);
        Assert.That((transposed.OutHeight, transposed.OutWidth), Is.EqualTo((10, 9)));
        var rng = new Random(4);
        float[] x = Random(rng, 2 * conv.InFeatures), y = Random(rng, 2 * conv.OutFeatures), w = Random(rng, 5 * 3 * 3 * 4);
        var cx = new float[y.Length];
        var ty = new float[x.Length];
        Convolution.Conv2d(Compute.Default, conv, 2, x, w, [], cx, new float[Convolution.WorkspaceLength(conv, 2, Compute.Default.Threads)]);
        Convolution.ConvTranspose2d(Compute.Default, transposed, 2, y, w, [], ty, new float[Convolution.WorkspaceLength(transposed, 2, Compute.Default.Threads)]);
        double left = cx.Zip(y, (a, b) => (double)a * b).Sum(), right = x.Zip(ty, (a, b) => (double)a * b).Sum();
        Assert.That(left, Is.EqualTo(right).Within(1e-4 * Math.Abs(left)));
    }

    [Test]
    public void RejectsWrongLengthsAndTheOtherDirectionsGeometry()
    {
        var g = ConvGeometry.Conv2d(2, 5, 5, 3, 3, 3);
        var workspace = new float[Convolution.WorkspaceLength(g, 2, Compute.Default.Threads)];
        var ex = Assert.Throws<ArgumentException>(() => Convolution.Conv2d(Compute.Default, g, 2, new float[99], new float[54], [], new float[54], workspace));
        Assert.That(ex!.Message, Does.Contain("x holds 99 floats, 100 expected"));
        ex = Assert.Throws<ArgumentException>(() => Convolution.Conv2d(Compute.Default, g, 2, new float[100], new float[54], new float[2], new float[54], workspace));
        Assert.That(ex!.Message, Does.Contain("bias holds 2 floats, 3 expected"));
        ex = Assert.Throws<ArgumentException>(() => Convolution.Conv2d(Compute.Default, g, 2, new float[100], new float[54], [], new float[54], workspace[1..]));
        Assert.That(ex!.Message, Does.Contain("workspace"));
        ex = Assert.Throws<ArgumentException>(() => Convolution.ConvTranspose2d(Compute.Default, g, 2, new float[100], new float[54], [], new float[54], workspace));
        Assert.That(ex!.Message, Does.Contain("ConvGeometry.ConvTranspose2d"));
    }

    // Forward and all three gradients (added onto nonzero priors) against the reference, on every context.
    private static void Check(ConvGeometry g, int batch)
    {
        var d = Data.Create(g, batch, seed: g.InFeatures * 31 + g.OutFeatures);
        var expected = Reference(g, d, abs: false);
        var bound = Reference(g, d, abs: true); // the same sums of |terms|: what rounding errors scale with
        string[] names = ["y", "dx", "dWeight", "dBias"];
        // Terms per element of y, dx, dWeight, dBias: rounding error is at most about that many ulps of the bound.
        int[] terms = [g.InChannels * g.KernelHeight * g.KernelWidth + 1, g.OutChannels * g.KernelHeight * g.KernelWidth,
            batch * Math.Max(g.InHeight * g.InWidth, g.OutHeight * g.OutWidth), batch * g.OutHeight * g.OutWidth];
        foreach (var isa in SupportedIsas())
            foreach (int threads in ThreadCounts)
            {
                var actual = Fast(Context(isa, threads), g, d);
                for (int q = 0; q < 4; q++)
                    for (int i = 0; i < expected[q].Length; i++)
                    {
                        double tolerance = (terms[q] + 8) * Math.Pow(2, -24) * bound[q][i] + 1e-30;
                        if (!(Math.Abs(actual[q][i] - expected[q][i]) <= tolerance))
                            Assert.Fail($"{g}, batch {batch}, {isa} x{threads}: {names[q]}[{i}] = {actual[q][i]:G9}, expected {expected[q][i]:G9} (tolerance {tolerance:g3})");
                    }
            }
    }

    private static float[][] Fast(Compute compute, ConvGeometry g, Data d)
    {
        var (y, dx, dw, db) = d.Outputs();
        var workspace = new float[Convolution.WorkspaceLength(g, d.Batch, compute.Threads)];
        Array.Fill(workspace, float.NaN); // the kernels must not read what they did not write
        if (g.Transposed)
        {
            Convolution.ConvTranspose2d(compute, g, d.Batch, d.X, d.W, d.Bias, y, workspace);
            Convolution.ConvTranspose2dBackward(compute, g, d.Batch, d.X, d.W, d.Dy, dx, dw, db, workspace);
        }
        else
        {
            Convolution.Conv2d(compute, g, d.Batch, d.X, d.W, d.Bias, y, workspace);
            Convolution.Conv2dBackward(compute, g, d.Batch, d.X, d.W, d.Dy, dx, dw, db, workspace);
        }
        return [y, dx, dw, db];
    }

    private static float[][] Reference(ConvGeometry g, Data d, bool abs)
    {
        var (y, dx, dw, db) = d.Outputs();
        float[] x = d.X, w = d.W, bias = d.Bias, dy = d.Dy;
        if (abs)
        {
            (x, w, bias, dy) = (Abs(x), Abs(w), Abs(bias), Abs(dy));
            (dx, dw, db) = (Abs(dx), Abs(dw), Abs(db));
        }
        if (g.Transposed)
        {
            ConvolutionReference.ConvTranspose2d(g, d.Batch, x, w, bias, y);
            ConvolutionReference.ConvTranspose2dBackward(g, d.Batch, x, w, dy, dx, dw, db);
        }
        else
        {
            ConvolutionReference.Conv2d(g, d.Batch, x, w, bias, y);
            ConvolutionReference.Conv2dBackward(g, d.Batch, x, w, dy, dx, dw, db);
        }
        return [y, dx, dw, db];
    }

    /// <summary>Inputs, an upstream gradient, and the nonzero values the gradients are added onto.</summary>
    private sealed record Data(int Batch, float[] X, float[] W, float[] Bias, float[] Dy, float[] PriorDx, float[] PriorDw, float[] PriorDb)
    {
        public static Data Create(ConvGeometry g, int batch, int seed)
        {
            var rng = new Random(seed);
            int weight = g.InChannels * g.OutChannels * g.KernelHeight * g.KernelWidth;
            return new Data(batch, Random(rng, batch * g.InFeatures), Random(rng, weight), Random(rng, g.OutChannels), Random(rng, batch * g.OutFeatures),
                Random(rng, batch * g.InFeatures), Random(rng, weight), Random(rng, g.OutChannels));
        }

        public (float[] Y, float[] Dx, float[] Dw, float[] Db) Outputs() =>
            (new float[Dy.Length], (float[])PriorDx.Clone(), (float[])PriorDw.Clone(), (float[])PriorDb.Clone());
    }

    private static float[] Random(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static float[] Abs(float[] x) => x.Select(Math.Abs).ToArray();

    private static IEnumerable<Isa> SupportedIsas() => new[] { Isa.Scalar, Isa.Avx2, Isa.Avx512 }.Where(Compute.IsSupported);

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
