using MlNetVae.Engine.Kernels;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Kernels;

/// <summary>
/// im2col and col2im against their definitions, written as a block of a wider matrix and into an image inside a
/// larger buffer: the whole-vector copies must leave every float outside their block or image untouched, since
/// other images (possibly another thread's) live there.
/// </summary>
public unsafe class ConvLayoutTests
{
    private const int Guard = 24; // floats of sentinel around the image

    private static IEnumerable<TestCaseData> Frames()
    {
        // Output widths 1 to 17 (single floats, part of a vector, one, two and more vectors per run), strides 1 to 3.
        foreach (var (c, h, w, k, s, p) in new[]
        {
            (2, 5, 3, 3, 1, 0), (1, 7, 7, 4, 2, 1), (3, 7, 7, 3, 1, 1), (2, 14, 14, 4, 2, 1), (1, 28, 28, 4, 2, 1),
            (2, 9, 17, 1, 1, 0), (1, 16, 16, 5, 3, 2), (2, 6, 33, 3, 2, 2), (1, 4, 4, 5, 1, 2), (1, 3, 8, 2, 3, 0),
        })
        {
            int oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
            yield return new TestCaseData(c, h, w, k, s, p).SetName($"{c}x{h}x{w} k{k} s{s} p{p} -> {oh}x{ow}");
        }
    }

    [TestCaseSource(nameof(Frames))]
    public void Im2ColWritesTheWindowsAndNothingOutsideItsBlock(int c, int h, int w, int k, int s, int p)
    {
        Im2Col(c, h, w, k, s, p, avx: true);
        Im2Col(c, h, w, k, s, p, avx: false);
    }

    [TestCaseSource(nameof(Frames))]
    public void Col2ImAddsEveryColumnBackAndTouchesOnlyTheImage(int c, int h, int w, int k, int s, int p)
    {
        Col2Im(c, h, w, k, s, p, avx: true);
        Col2Im(c, h, w, k, s, p, avx: false);
    }

    // avx: masked vector tails, else single floats (what Isa.Scalar uses).
    private static void Im2Col(int c, int h, int w, int k, int s, int p, bool avx)
    {
        var f = Frame(c, h, w, k, s, p);
        var image = Random(f.ImageFeatures, 1);
        int ld = 3 * f.Pixels, offset = f.Pixels; // the middle block of three
        var col = Filled(f.Rows * ld + ConvLayout.Slack, -7f);
        var phases = new float[f.PhaseFloats];
        fixed (float* pi = image, pc = col, pp = phases) ConvLayout.Im2Col(f, pi, pc + offset, ld, pp, avx);

        for (int r = 0; r < f.Rows; r++)
            for (int j = 0; j < ld; j++)
            {
                float expected = j >= offset && j < offset + f.Pixels ? Window(f, image, r, j - offset) : -7f;
                Assert.That(col[r * ld + j], Is.EqualTo(expected), $"col[{r}, {j}] (avx: {avx})");
            }
    }

    private static void Col2Im(int c, int h, int w, int k, int s, int p, bool avx)
    {
        var f = Frame(c, h, w, k, s, p);
        int ld = 2 * f.Pixels + 3, offset = f.Pixels + 3; // the second block, not at a vector boundary
        var col = Random(f.Rows * ld + ConvLayout.Slack, 2);
        var prior = Random(f.ImageFeatures, 3);
        var bias = Random(c, 4);
        foreach (bool initialize in new[] { false, true })
        {
            var buffer = Filled(f.ImageFeatures + 2 * Guard, float.NaN);
            prior.CopyTo(buffer, Guard);
            var phases = new float[f.PhaseFloats];
            fixed (float* pc = col, pb = buffer, pp = phases, pbias = bias)
                ConvLayout.Col2Im(f, pc + offset, ld, pb + Guard, pp, initialize, pbias, avx);

            // The adjoint by definition: every window element goes back where Im2Col took it from.
            var expected = new double[f.ImageFeatures];
            for (int i = 0; i < expected.Length; i++) expected[i] = initialize ? bias[i / (h * w)] : prior[i];
            for (int r = 0; r < f.Rows; r++)
                for (int q = 0; q < f.Pixels; q++)
                    if (Source(f, r, q) is int at) expected[at] += col[r * ld + offset + q];
            for (int i = 0; i < Guard; i++)
                Assert.That(float.IsNaN(buffer[i]) && float.IsNaN(buffer[Guard + f.ImageFeatures + i]), Is.True, $"guard {i} was written");
            for (int i = 0; i < expected.Length; i++)
                Assert.That(buffer[Guard + i], Is.EqualTo(expected[i]).Within(1e-5), $"pixel {i} (initialize: {initialize}, avx: {avx})");
        }
    }

    private static ConvFrame Frame(int c, int h, int w, int k, int s, int p) =>
        new(c, h, w, (h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1, k, k, s, p);

    // The image index window row r of output pixel q reads, or null where it reads padding.
    private static int? Source(ConvFrame f, int r, int q)
    {
        int ch = r / (f.KernelHeight * f.KernelWidth), ky = r / f.KernelWidth % f.KernelHeight, kx = r % f.KernelWidth;
        int iy = q / f.OutWidth * f.Stride - f.Padding + ky, ix = q % f.OutWidth * f.Stride - f.Padding + kx;
        return iy < 0 || iy >= f.Height || ix < 0 || ix >= f.Width ? null : (ch * f.Height + iy) * f.Width + ix;
    }

    private static float Window(ConvFrame f, float[] image, int r, int q) => Source(f, r, q) is int at ? image[at] : 0f;

    private static float[] Random(int length, int seed)
    {
        var rng = new Random(seed);
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static float[] Filled(int length, float value) => Enumerable.Repeat(value, length).ToArray();
}
