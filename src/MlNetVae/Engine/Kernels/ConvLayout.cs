using System.Numerics.Tensors;

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

    /// <summary>Columns of an im2col matrix per image: the smaller image's pixels.</summary>
    public int Pixels => OutHeight * OutWidth;

    /// <summary>Floats in one larger image.</summary>
    public int ImageFeatures => Channels * Height * Width;

    /// <summary>The output rows [start, end) whose window row ky falls inside the image rather than the padding.</summary>
    public (int Start, int End) ValidRows(int ky) => Valid(ky, Height, OutHeight);

    /// <summary>The output columns [start, end) whose window column kx falls inside the image rather than the padding.</summary>
    public (int Start, int End) ValidColumns(int kx) => Valid(kx, Width, OutWidth);

    // o Stride - Padding + k in [0, size)  <=>  o in [ceil((Padding - k) / Stride), ceil((size + Padding - k) / Stride)).
    private (int, int) Valid(int k, int size, int outSize) =>
        (Math.Clamp(CeilDiv(Padding - k, Stride), 0, outSize), Math.Clamp(CeilDiv(size + Padding - k, Stride), 0, outSize));

    private static int CeilDiv(int a, int b) => a <= 0 ? -(-a / b) : (a + b - 1) / b;
}

/// <summary>
/// im2col and its adjoint col2im over a <see cref="ConvFrame"/>, and the transposes between a chunk of images
/// (images, channels, pixels) and the channel-major matrix [channels, images * pixels] the GEMMs produce and
/// consume. Each splits its work over the compute threads in units (im2col rows, image planes) that no two parts
/// share and that are always computed in the same order, so results do not depend on the thread count.
/// </summary>
internal static unsafe class ConvLayout
{
    // A part copies at least this many floats: less is not worth waking a thread.
    private const int MinPartFloats = 1 << 14;

    /// <summary>
    /// col [Rows, count * Pixels] = the windows of <paramref name="count"/> images (count, Channels, Height, Width):
    /// column b * Pixels + p holds the window of pixel p of image b, padding read as 0.
    /// </summary>
    public static void Im2Col(Compute compute, in ConvFrame f, ReadOnlySpan<float> images, int count, Span<float> col)
    {
        fixed (float* src = images, dst = col)
        {
            var job = new Im2ColJob { F = f, Images = src, Count = count, Col = dst };
            compute.Run(ref job, Parts(compute, (long)f.Rows * count * f.Pixels));
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/>: adds every column of col [Rows, count * Pixels] back onto the pixels its
    /// window covers in <paramref name="images"/> (count, Channels, Height, Width); values that fall on padding are
    /// dropped. When <paramref name="initialize"/>, each image plane is first set to its channel's
    /// <paramref name="bias"/> (or 0 when bias is empty) instead of being added to.
    /// </summary>
    public static void Col2Im(Compute compute, in ConvFrame f, ReadOnlySpan<float> col, int count, Span<float> images,
        bool initialize, ReadOnlySpan<float> bias)
    {
        fixed (float* src = col, dst = images, b = bias)
        {
            var job = new Col2ImJob { F = f, Col = src, Count = count, Images = dst, Initialize = initialize, Bias = bias.IsEmpty ? null : b };
            compute.Run(ref job, Parts(compute, (long)f.Rows * count * f.Pixels));
        }
    }

    /// <summary>matrix [channels, count * pixels] = images (count, channels, pixels), channel by channel.</summary>
    public static void ToChannelMajor(Compute compute, ReadOnlySpan<float> images, int count, int channels, int pixels, Span<float> matrix)
    {
        fixed (float* src = images, dst = matrix)
        {
            var job = new TransposeJob { Images = src, Matrix = dst, Count = count, Channels = channels, Pixels = pixels, ToMatrix = true };
            compute.Run(ref job, Parts(compute, (long)count * channels * pixels));
        }
    }

    /// <summary>
    /// images (count, channels, pixels) = matrix [channels, count * pixels] plus the channel's <paramref name="bias"/>
    /// (none when empty), or += the matrix when <paramref name="accumulate"/> (bias then unused).
    /// </summary>
    public static void FromChannelMajor(Compute compute, ReadOnlySpan<float> matrix, int count, int channels, int pixels,
        Span<float> images, ReadOnlySpan<float> bias, bool accumulate)
    {
        fixed (float* src = matrix, dst = images, b = bias)
        {
            var job = new TransposeJob
            {
                Images = dst, Matrix = src, Count = count, Channels = channels, Pixels = pixels,
                Accumulate = accumulate, Bias = bias.IsEmpty ? null : b,
            };
            compute.Run(ref job, Parts(compute, (long)count * channels * pixels));
        }
    }

    private static int Parts(Compute compute, long floats) => (int)Math.Clamp(floats / MinPartFloats, 1, compute.Threads);

    private static (int Start, int End) Split(int units, int part, int parts) =>
        ((int)((long)units * part / parts), (int)((long)units * (part + 1) / parts));

    // Parts take whole rows of col.
    private struct Im2ColJob : IParallelJob
    {
        public ConvFrame F;
        public float* Images, Col;
        public int Count;

        public readonly void Execute(int part, int parts)
        {
            var (r0, r1) = Split(F.Rows, part, parts);
            int window = F.KernelHeight * F.KernelWidth, plane = F.Height * F.Width, ow = F.OutWidth, s = F.Stride;
            long ld = (long)Count * F.Pixels;
            for (int r = r0; r < r1; r++)
            {
                int c = r / window, ky = r % window / F.KernelWidth, kx = r % F.KernelWidth;
                var (y0, y1) = F.ValidRows(ky);
                var (x0, x1) = F.ValidColumns(kx);
                for (int b = 0; b < Count; b++)
                {
                    float* dst = Col + r * ld + (long)b * F.Pixels;
                    // Input pixel (oy s - pad + ky, ox s - pad + kx) of this channel is src[oy * s * Width + ox * s].
                    float* src = Images + (long)b * F.ImageFeatures + (long)c * plane + (ky - F.Padding) * F.Width + kx - F.Padding;
                    new Span<float>(dst, y0 * ow).Clear();
                    for (int oy = y0; oy < y1; oy++)
                    {
                        float* d = dst + oy * ow, row = src + oy * s * F.Width;
                        for (int ox = 0; ox < x0; ox++) d[ox] = 0;
                        if (s == 1) new ReadOnlySpan<float>(row + x0, x1 - x0).CopyTo(new Span<float>(d + x0, x1 - x0));
                        else for (int ox = x0; ox < x1; ox++) d[ox] = row[ox * s];
                        for (int ox = x1; ox < ow; ox++) d[ox] = 0;
                    }
                    new Span<float>(dst + y1 * ow, (F.OutHeight - y1) * ow).Clear();
                }
            }
        }
    }

    // Parts take whole image planes, each summed over (ky, kx, oy, ox) in that order whichever part takes it.
    private struct Col2ImJob : IParallelJob
    {
        public ConvFrame F;
        public float* Col, Images, Bias;
        public int Count;
        public bool Initialize;

        public readonly void Execute(int part, int parts)
        {
            var (u0, u1) = Split(Count * F.Channels, part, parts);
            int plane = F.Height * F.Width, ow = F.OutWidth, s = F.Stride;
            long ld = (long)Count * F.Pixels;
            for (int u = u0; u < u1; u++)
            {
                int b = u / F.Channels, c = u % F.Channels;
                float* image = Images + (long)u * plane;
                if (Initialize) new Span<float>(image, plane).Fill(Bias == null ? 0 : Bias[c]);
                for (int ky = 0; ky < F.KernelHeight; ky++)
                {
                    var (y0, y1) = F.ValidRows(ky);
                    for (int kx = 0; kx < F.KernelWidth; kx++)
                    {
                        var (x0, x1) = F.ValidColumns(kx);
                        int r = (c * F.KernelHeight + ky) * F.KernelWidth + kx;
                        float* src = Col + r * ld + (long)b * F.Pixels;
                        float* dst = image + (ky - F.Padding) * F.Width + kx - F.Padding;
                        for (int oy = y0; oy < y1; oy++)
                        {
                            float* sr = src + oy * ow, d = dst + oy * s * F.Width;
                            if (s == 1)
                            {
                                var target = new Span<float>(d + x0, x1 - x0);
                                TensorPrimitives.Add(target, new ReadOnlySpan<float>(sr + x0, x1 - x0), target);
                            }
                            else for (int ox = x0; ox < x1; ox++) d[ox * s] += sr[ox];
                        }
                    }
                }
            }
        }
    }

    // Parts take whole (image, channel) runs of pixels.
    private struct TransposeJob : IParallelJob
    {
        public float* Images, Matrix, Bias;
        public int Count, Channels, Pixels;
        public bool ToMatrix, Accumulate;

        public readonly void Execute(int part, int parts)
        {
            var (u0, u1) = Split(Count * Channels, part, parts);
            for (int u = u0; u < u1; u++)
            {
                int b = u / Channels, c = u % Channels;
                var image = new Span<float>(Images + (long)u * Pixels, Pixels);
                var matrix = new Span<float>(Matrix + ((long)c * Count + b) * Pixels, Pixels);
                if (ToMatrix) image.CopyTo(matrix);
                else if (Accumulate) TensorPrimitives.Add(image, matrix, image);
                else if (Bias != null) TensorPrimitives.Add(matrix, Bias[c], image);
                else matrix.CopyTo(image);
            }
        }
    }
}
