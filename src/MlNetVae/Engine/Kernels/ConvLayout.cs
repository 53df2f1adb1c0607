using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MlNetVae.Engine.Kernels;

/// <summary>
/// A convolution seen the im2col way, the view both directions share: the larger image (Channels x Height x Width)
/// and, for each pixel of the smaller one (OutHeight x OutWidth), the KernelHeight x KernelWidth window of the
/// zero-padded larger image it reads, Stride pixels on from its neighbour's.
/// </summary>
internal readonly record struct ConvFrame(int Channels, int Height, int Width, int OutHeight, int OutWidth,
    int KernelHeight, int KernelWidth, int Stride, int Padding)
{
    /// <summary>Rows of an im2col matrix, one per (channel, ky, kx): the columns of the weight seen as a matrix.</summary>
    public int Rows => Channels * KernelHeight * KernelWidth;

    /// <summary>Columns of an im2col matrix: the smaller image's pixels.</summary>
    public int Pixels => OutHeight * OutWidth;

    /// <summary>Floats in one larger image.</summary>
    public int ImageFeatures => Channels * Height * Width;

    /// <summary>Rows of a padded channel: Height + 2 Padding.</summary>
    public int PaddedHeight => Height + 2 * Padding;

    /// <summary>Columns of one phase of a padded channel: every Stride-th column, ceil((Width + 2 Padding) / Stride).</summary>
    public int PhaseWidth => (Width + 2 * Padding + Stride - 1) / Stride;

    /// <summary>Floats from one row of a phase to the next: PhaseWidth rounded up to whole vectors, which may then overshoot.</summary>
    public int PhaseStride => (PhaseWidth + 7) & ~7;

    /// <summary>Floats of the phases of one padded channel, then of one padded row, then slack for overshooting reads.</summary>
    public int PhaseFloats => Stride * (PaddedHeight + 1) * PhaseStride + ConvLayout.Slack;
}

/// <summary>
/// im2col and its adjoint col2im for one image, on one thread. A channel is first split into Stride phases of its
/// zero-padded self (phase q holds the padded columns q, q + Stride, q + 2 Stride, ...): then the pixels a kernel
/// column kx reads along an output row are consecutive floats of phase kx % Stride, so every run of the im2col matrix
/// (one output row of one kernel tap) is one contiguous copy without bounds checks, done in whole vectors even for the
/// 7 or 14 pixels of a small image's row. Copies that must stop exactly at a row's end use AVX masked loads and stores
/// when <c>avx</c> is set (any instruction set but <see cref="Isa.Scalar"/>), single floats otherwise.
/// </summary>
internal static unsafe class ConvLayout
{
    /// <summary>Floats past the end of an im2col matrix or phase buffer that a whole-vector read may touch.</summary>
    public const int Slack = 8;

    /// <summary>
    /// col [Rows, Pixels] = the windows of one image (Channels, Height, Width), row r at col + r <paramref name="ld"/>:
    /// column p holds the window of output pixel p, padding read as 0. col may be a block of columns of a wider matrix:
    /// nothing past a row's Pixels floats is written. phases holds <see cref="ConvFrame.PhaseFloats"/>.
    /// </summary>
    public static void Im2Col(in ConvFrame f, float* image, float* col, int ld, float* phases, bool avx)
    {
        int s = f.Stride, wq = f.PhaseStride, phase = f.PaddedHeight * wq, ow = f.OutWidth;
        // Whole-vector runs overshoot into the runs after them, which are written later; the runs whose overshoot
        // would leave the row (where the next image's block may already be written) are copied exactly.
        int room = f.Pixels - ((ow + 7) & ~7), vectorRuns = room < 0 ? 0 : Math.Min(f.OutHeight, room / ow + 1);
        float* row = col;
        for (int c = 0; c < f.Channels; c++)
        {
            Split(f, image + c * f.Height * f.Width, phases, avx);
            for (int ky = 0; ky < f.KernelHeight; ky++)
                for (int kx = 0; kx < f.KernelWidth; kx++, row += ld)
                {
                    // Output pixel (oy, ox) reads padded (oy s + ky, ox s + kx): phase kx % s, row oy s + ky, column ox + kx / s.
                    float* src = phases + kx % s * phase + ky * wq + kx / s;
                    int oy = 0;
                    for (; oy < vectorRuns; oy++) CopyRun(src + oy * s * wq, row + oy * ow, ow);
                    for (; oy < f.OutHeight; oy++) CopyExact(src + oy * s * wq, row + oy * ow, ow, avx);
                }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/>: adds every column of col [Rows, Pixels] (row r at col + r <paramref name="ld"/>)
    /// onto the pixels its window covers in one image (Channels, Height, Width), dropping what falls on padding. When
    /// <paramref name="initialize"/>, channel c of the image is set to bias[c] (0 when bias is null) plus that sum
    /// instead of being added to. <see cref="Slack"/> floats past col's last row must be readable.
    /// </summary>
    public static void Col2Im(in ConvFrame f, float* col, int ld, float* image, float* phases, bool initialize, float* bias, bool avx)
    {
        int s = f.Stride, wq = f.PhaseStride, phase = f.PaddedHeight * wq, ow = f.OutWidth;
        var tail = TailMask(ow % Vector256<float>.Count);
        float* row = col;
        for (int c = 0; c < f.Channels; c++)
        {
            new Span<float>(phases, s * phase).Clear();
            for (int ky = 0; ky < f.KernelHeight; ky++)
                for (int kx = 0; kx < f.KernelWidth; kx++, row += ld)
                {
                    float* dst = phases + kx % s * phase + ky * wq + kx / s;
                    for (int oy = 0; oy < f.OutHeight; oy++) AddRun(row + oy * ow, dst + oy * s * wq, ow, tail);
                }
            float* plane = image + c * f.Height * f.Width;
            if (initialize) new Span<float>(plane, f.Height * f.Width).Fill(bias == null ? 0 : bias[c]);
            Merge(f, phases, plane, avx);
        }
    }

    /// <summary>matrix [channels, count * pixels] = images (count, channels, pixels): a chunk's smaller sides as one GEMM operand.</summary>
    public static void ToChannelMajor(float* images, int count, int channels, int pixels, float* matrix)
    {
        for (int b = 0; b < count; b++)
            for (int c = 0; c < channels; c++)
                new ReadOnlySpan<float>(images + (b * channels + c) * pixels, pixels).CopyTo(new Span<float>(matrix + (c * count + b) * pixels, pixels));
    }

    /// <summary>
    /// images (count, channels, pixels) = matrix [channels, count * pixels] plus bias[c] (none when null), or += the
    /// matrix when <paramref name="accumulate"/>.
    /// </summary>
    public static void FromChannelMajor(float* matrix, int count, int channels, int pixels, float* images, float* bias, bool accumulate)
    {
        for (int b = 0; b < count; b++)
            for (int c = 0; c < channels; c++)
            {
                var source = new ReadOnlySpan<float>(matrix + (c * count + b) * pixels, pixels);
                var target = new Span<float>(images + (b * channels + c) * pixels, pixels);
                if (accumulate) TensorPrimitives.Add(target, source, target);
                else if (bias != null) TensorPrimitives.Add(source, bias[c], target);
                else source.CopyTo(target);
            }
    }

    // The phases of one padded channel: phases[q][row][j] = padded[row][j s + q] = plane[row - p][j s + q - p], or 0.
    // Each image row is first copied into a zero-padded row (after the phases), which the phases then take apart.
    private static void Split(in ConvFrame f, float* plane, float* phases, bool avx)
    {
        int s = f.Stride, p = f.Padding, wq = f.PhaseStride, hp = f.PaddedHeight, phase = hp * wq;
        float* padded = phases + s * phase; // (s wq) floats: one padded row, zeros to the end
        new Span<float>(padded, s * wq).Clear();
        for (int row = 0; row < hp; row++)
        {
            int iy = row - p;
            if (iy < 0 || iy >= f.Height)
            {
                for (int q = 0; q < s; q++) new Span<float>(phases + q * phase + row * wq, wq).Clear();
                continue;
            }
            CopyExact(plane + iy * f.Width, padded + p, f.Width, avx);
            float* d = phases + row * wq;
            if (s == 1) CopyRun(padded, d, wq);
            else if (s == 2) Deinterleave(padded, d, d + phase, wq);
            else
                for (int q = 0; q < s; q++)
                    for (int j = 0; j < wq; j++) d[q * phase + j] = padded[j * s + q];
        }
    }

    // The adjoint of Split: plane += the phases at the image's own pixels; what lies on padding is dropped.
    private static void Merge(in ConvFrame f, float* phases, float* plane, bool avx)
    {
        int s = f.Stride, p = f.Padding, wq = f.PhaseStride, phase = f.PaddedHeight * wq;
        float* padded = phases + s * phase;
        var tail = TailMask(f.Width % Vector256<float>.Count);
        for (int iy = 0; iy < f.Height; iy++)
        {
            float* src = phases + (iy + p) * wq;
            if (s == 2) Interleave(src, src + phase, padded, wq);
            else if (s > 2)
                for (int q = 0; q < s; q++)
                    for (int j = 0; j < wq; j++) padded[j * s + q] = src[q * phase + j];
            AddExact((s == 1 ? src : padded) + p, plane + iy * f.Width, f.Width, tail, avx);
        }
    }

    // even[j] = x[2 j], odd[j] = x[2 j + 1] for j < n, a multiple of 8. A pair of floats is one ulong: narrowing keeps
    // its low half (the even float), narrowing it shifted keeps the high half.
    private static void Deinterleave(float* x, float* even, float* odd, int n)
    {
        for (int j = 0; j < n; j += Vector256<float>.Count)
        {
            var a = Vector256.Load(x + 2 * j).AsUInt64();
            var b = Vector256.Load(x + 2 * j + Vector256<float>.Count).AsUInt64();
            Vector256.Narrow(a, b).AsSingle().Store(even + j);
            Vector256.Narrow(a >> 32, b >> 32).AsSingle().Store(odd + j);
        }
    }

    // x[2 j] = even[j], x[2 j + 1] = odd[j] for j < n, a multiple of 8: Deinterleave undone by widening.
    private static void Interleave(float* even, float* odd, float* x, int n)
    {
        for (int j = 0; j < n; j += Vector256<float>.Count)
        {
            var (e0, e1) = Vector256.Widen(Vector256.Load(even + j).AsUInt32());
            var (o0, o1) = Vector256.Widen(Vector256.Load(odd + j).AsUInt32());
            (e0 | (o0 << 32)).AsSingle().Store(x + 2 * j);
            (e1 | (o1 << 32)).AsSingle().Store(x + 2 * j + Vector256<float>.Count);
        }
    }

    // dst[0..n) = src[0..n) in whole vectors: up to 7 floats past n are read and written too.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun(float* src, float* dst, int n)
    {
        for (int i = 0; i < n; i += Vector256<float>.Count) Vector256.Store(Vector256.Load(src + i), dst + i);
    }

    // dst[0..n) = src[0..n), touching nothing past n of either: whole vectors, the last one overlapping its
    // predecessor; below one vector, a masked load and store or single floats.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyExact(float* src, float* dst, int n, bool avx)
    {
        if (n >= Vector256<float>.Count)
        {
            for (int i = 0; i < n - Vector256<float>.Count; i += Vector256<float>.Count) Vector256.Store(Vector256.Load(src + i), dst + i);
            Vector256.Store(Vector256.Load(src + n - Vector256<float>.Count), dst + n - Vector256<float>.Count);
        }
        else if (avx)
        {
            var mask = TailMask(n);
            Avx.MaskStore(dst, mask, Avx.MaskLoad(src, mask));
        }
        else for (int i = 0; i < n; i++) dst[i] = src[i];
    }

    // dst[0..n) += src[0..n): whole vectors, then a masked last one that leaves dst past n as it was.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRun(float* src, float* dst, int n, Vector256<float> tail)
    {
        int i = 0;
        for (; i + Vector256<float>.Count <= n; i += Vector256<float>.Count)
            Vector256.Store(Vector256.Load(dst + i) + Vector256.Load(src + i), dst + i);
        if (i < n)
        {
            var d = Vector256.Load(dst + i);
            Vector256.Store(Vector256.ConditionalSelect(tail, d + Vector256.Load(src + i), d), dst + i);
        }
    }

    // dst[0..n) += src[0..n) touching no float of dst past n: the image may be shared with other threads from there.
    // The last partial vector is a masked load and store, or single floats.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddExact(float* src, float* dst, int n, Vector256<float> tail, bool avx)
    {
        int i = 0;
        for (; i + Vector256<float>.Count <= n; i += Vector256<float>.Count)
            Vector256.Store(Vector256.Load(dst + i) + Vector256.Load(src + i), dst + i);
        if (i == n) return;
        if (avx) Avx.MaskStore(dst + i, tail, Avx.MaskLoad(dst + i, tail) + Avx.MaskLoad(src + i, tail));
        else for (; i < n; i++) dst[i] += src[i];
    }

    // All bits set in the first `count` lanes.
    private static Vector256<float> TailMask(int count) =>
        Vector256.LessThan(Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7), Vector256.Create((float)count));
}
