using System.Numerics.Tensors;

namespace MlNetVae.Engine.Kernels;

/// <summary>
/// 2-D convolution and transposed convolution over a batch of images stored one per row in CHW order, forward and
/// backward, as im2col / col2im around the packed <see cref="Gemm"/>. Shapes and weight layouts are PyTorch's (see
/// <see cref="ConvGeometry"/>). The batch is processed in chunks of images whose im2col matrix stays in the L2
/// cache; the chunk size depends on the geometry only, and within a chunk every kernel is split over threads
/// without changing any sum's order, so results are the same for any thread count. Nothing is allocated: the
/// caller passes a workspace of <see cref="WorkspaceLength"/> floats.
/// </summary>
public static class Convolution
{
    // Floats of an im2col chunk: 1 MB, half the L2, so the GEMM reads back what im2col just wrote from the cache.
    private const int ChunkFloats = 1 << 18;

    /// <summary>Floats of workspace the kernels need for <paramref name="batch"/> images of <paramref name="geometry"/>.</summary>
    public static int WorkspaceLength(ConvGeometry geometry, int batch)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        var f = geometry.Frame;
        long length = (long)(f.Rows + geometry.FrameFilters) * f.Pixels * ChunkImages(f, batch);
        if (length > Array.MaxLength) throw new ArgumentException($"{geometry} needs a workspace larger than an array");
        return (int)length;
    }

    /// <summary>
    /// y (batch, out, oh, ow) = conv(x (batch, in, h, w), weight [out, in, kh, kw]) + bias [out], as PyTorch's
    /// Conv2d computes it; an empty <paramref name="bias"/> adds nothing.
    /// </summary>
    public static void Conv2d(Compute compute, ConvGeometry geometry, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> y, Span<float> workspace)
    {
        var g = Check(compute, geometry, batch, transposed: false, workspace);
        Require(x.Length, batch * g.InFeatures, nameof(x));
        Require(weight.Length, g.Filters * g.K, nameof(weight));
        Optional(bias.Length, g.Filters, nameof(bias));
        Require(y.Length, batch * g.OutFeatures, nameof(y));
        var f = g.Frame;
        for (int b0 = 0; b0 < batch; b0 += g.Chunk)
        {
            int count = Math.Min(g.Chunk, batch - b0), n = count * f.Pixels;
            var col = workspace[..(f.Rows * n)];                 // (K, count * P)
            var output = workspace.Slice(col.Length, g.Filters * n); // (out, count * P)
            ConvLayout.Im2Col(compute, f, x.Slice(b0 * g.InFeatures, count * g.InFeatures), count, col);
            Gemm.Multiply(compute, false, false, g.Filters, n, f.Rows, 1f, weight, f.Rows, col, n, 0f, output, n);
            ConvLayout.FromChannelMajor(compute, output, count, g.Filters, f.Pixels, y.Slice(b0 * g.OutFeatures, count * g.OutFeatures), bias, accumulate: false);
        }
    }

    /// <summary>
    /// The gradients of <see cref="Conv2d"/> given dy (batch, out, oh, ow), added (+=) to dx (batch, in, h, w),
    /// dWeight [out, in, kh, kw] and dBias [out]; an empty span skips that gradient.
    /// </summary>
    public static void Conv2dBackward(Compute compute, ConvGeometry geometry, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeight, Span<float> dBias, Span<float> workspace)
    {
        var g = Check(compute, geometry, batch, transposed: false, workspace);
        Require(x.Length, batch * g.InFeatures, nameof(x));
        Require(weight.Length, g.Filters * g.K, nameof(weight));
        Require(dy.Length, batch * g.OutFeatures, nameof(dy));
        Optional(dx.Length, batch * g.InFeatures, nameof(dx));
        Optional(dWeight.Length, g.Filters * g.K, nameof(dWeight));
        Optional(dBias.Length, g.Filters, nameof(dBias));
        var f = g.Frame;
        if (!dBias.IsEmpty) AddChannelSums(dy, batch, g.Filters, f.Pixels, dBias);
        if (dx.IsEmpty && dWeight.IsEmpty) return;
        for (int b0 = 0; b0 < batch; b0 += g.Chunk)
        {
            int count = Math.Min(g.Chunk, batch - b0), n = count * f.Pixels;
            var col = workspace[..(f.Rows * n)];                     // (K, count * P)
            var gradient = workspace.Slice(col.Length, g.Filters * n); // (out, count * P)
            ConvLayout.ToChannelMajor(compute, dy.Slice(b0 * g.OutFeatures, count * g.OutFeatures), count, g.Filters, f.Pixels, gradient);
            if (!dWeight.IsEmpty)
            {
                // dW (out, K) += dY (out, count P) col^T: chunk after chunk, so the sum's order is fixed.
                ConvLayout.Im2Col(compute, f, x.Slice(b0 * g.InFeatures, count * g.InFeatures), count, col);
                Gemm.Multiply(compute, false, true, g.Filters, f.Rows, n, 1f, gradient, n, col, n, 1f, dWeight, f.Rows);
            }
            if (!dx.IsEmpty)
            {
                // dcol (K, count P) = W^T dY, then each column back onto the pixels its window read.
                Gemm.Multiply(compute, true, false, f.Rows, n, g.Filters, 1f, weight, f.Rows, gradient, n, 0f, col, n);
                ConvLayout.Col2Im(compute, f, col, count, dx.Slice(b0 * g.InFeatures, count * g.InFeatures), initialize: false, []);
            }
        }
    }

    /// <summary>
    /// y (batch, out, oh, ow) = convTranspose(x (batch, in, h, w), weight [in, out, kh, kw]) + bias [out], as PyTorch's
    /// ConvTranspose2d computes it (the adjoint of <see cref="Conv2d"/> with the same weight); an empty
    /// <paramref name="bias"/> adds nothing.
    /// </summary>
    public static void ConvTranspose2d(Compute compute, ConvGeometry geometry, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> y, Span<float> workspace)
    {
        var g = Check(compute, geometry, batch, transposed: true, workspace);
        Require(x.Length, batch * g.InFeatures, nameof(x));
        Require(weight.Length, g.Filters * g.K, nameof(weight));
        Optional(bias.Length, g.OutChannels, nameof(bias));
        Require(y.Length, batch * g.OutFeatures, nameof(y));
        var f = g.Frame;
        for (int b0 = 0; b0 < batch; b0 += g.Chunk)
        {
            int count = Math.Min(g.Chunk, batch - b0), n = count * f.Pixels;
            var col = workspace[..(f.Rows * n)];                  // (K, count * P)
            var input = workspace.Slice(col.Length, g.Filters * n); // (in, count * P)
            ConvLayout.ToChannelMajor(compute, x.Slice(b0 * g.InFeatures, count * g.InFeatures), count, g.Filters, f.Pixels, input);
            Gemm.Multiply(compute, true, false, f.Rows, n, g.Filters, 1f, weight, f.Rows, input, n, 0f, col, n);
            ConvLayout.Col2Im(compute, f, col, count, y.Slice(b0 * g.OutFeatures, count * g.OutFeatures), initialize: true, bias);
        }
    }

    /// <summary>
    /// The gradients of <see cref="ConvTranspose2d"/> given dy (batch, out, oh, ow), added (+=) to dx (batch, in, h, w),
    /// dWeight [in, out, kh, kw] and dBias [out]; an empty span skips that gradient.
    /// </summary>
    public static void ConvTranspose2dBackward(Compute compute, ConvGeometry geometry, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeight, Span<float> dBias, Span<float> workspace)
    {
        var g = Check(compute, geometry, batch, transposed: true, workspace);
        Require(x.Length, batch * g.InFeatures, nameof(x));
        Require(weight.Length, g.Filters * g.K, nameof(weight));
        Require(dy.Length, batch * g.OutFeatures, nameof(dy));
        Optional(dx.Length, batch * g.InFeatures, nameof(dx));
        Optional(dWeight.Length, g.Filters * g.K, nameof(dWeight));
        Optional(dBias.Length, g.OutChannels, nameof(dBias));
        var f = g.Frame;
        if (!dBias.IsEmpty) AddChannelSums(dy, batch, g.OutChannels, g.OutHeight * g.OutWidth, dBias);
        if (dx.IsEmpty && dWeight.IsEmpty) return;
        for (int b0 = 0; b0 < batch; b0 += g.Chunk)
        {
            int count = Math.Min(g.Chunk, batch - b0), n = count * f.Pixels;
            var col = workspace[..(f.Rows * n)];                   // (K, count * P)
            var channels = workspace.Slice(col.Length, g.Filters * n); // (in, count * P)
            ConvLayout.Im2Col(compute, f, dy.Slice(b0 * g.OutFeatures, count * g.OutFeatures), count, col);
            if (!dWeight.IsEmpty)
            {
                // dW (in, K) += X (in, count P) dcol^T: chunk after chunk, so the sum's order is fixed.
                ConvLayout.ToChannelMajor(compute, x.Slice(b0 * g.InFeatures, count * g.InFeatures), count, g.Filters, f.Pixels, channels);
                Gemm.Multiply(compute, false, true, g.Filters, f.Rows, n, 1f, channels, n, col, n, 1f, dWeight, f.Rows);
            }
            if (!dx.IsEmpty)
            {
                // dX (in, count P) = W im2col(dy): the forward convolution of dy.
                Gemm.Multiply(compute, false, false, g.Filters, n, f.Rows, 1f, weight, f.Rows, col, n, 0f, channels, n);
                ConvLayout.FromChannelMajor(compute, channels, count, g.Filters, f.Pixels, dx.Slice(b0 * g.InFeatures, count * g.InFeatures), [], accumulate: true);
            }
        }
    }

    // Images per chunk: as many as keep the im2col matrix near ChunkFloats, at least one.
    private static int ChunkImages(in ConvFrame f, int batch) =>
        (int)Math.Clamp(ChunkFloats / ((long)f.Rows * f.Pixels), 1, Math.Max(1, batch));

    // dBias[c] += the sum of channel c over every image, image after image.
    private static void AddChannelSums(ReadOnlySpan<float> dy, int batch, int channels, int pixels, Span<float> dBias)
    {
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
                dBias[c] += TensorPrimitives.Sum(dy.Slice((b * channels + c) * pixels, pixels));
    }

    /// <summary>What the kernels read off a validated geometry.</summary>
    private readonly record struct Shape(ConvFrame Frame, int Filters, int OutChannels, int OutHeight, int OutWidth, int InFeatures, int OutFeatures, int Chunk)
    {
        /// <summary>Columns of the weight seen as a matrix [Filters, K].</summary>
        public int K => Frame.Rows;
    }

    private static Shape Check(Compute compute, ConvGeometry geometry, int batch, bool transposed, Span<float> workspace)
    {
        ArgumentNullException.ThrowIfNull(compute);
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        if (geometry.Transposed != transposed)
            throw new ArgumentException($"{(transposed ? "ConvTranspose2d" : "Conv2d")} needs a geometry made by ConvGeometry.{(transposed ? "ConvTranspose2d" : "Conv2d")}, got {geometry}", nameof(geometry));
        if ((long)batch * Math.Max(geometry.InFeatures, geometry.OutFeatures) > Array.MaxLength)
            throw new ArgumentException($"a batch of {batch} images of {geometry} holds more floats than an array can", nameof(batch));
        Require(workspace.Length, WorkspaceLength(geometry, batch), nameof(workspace), atLeast: true);
        var f = geometry.Frame;
        return new Shape(f, geometry.FrameFilters, geometry.OutChannels, geometry.OutHeight, geometry.OutWidth,
            geometry.InFeatures, geometry.OutFeatures, ChunkImages(f, batch));
    }

    private static void Require(int length, int expected, string name, bool atLeast = false)
    {
        if (length != expected && !(atLeast && length > expected))
            throw new ArgumentException($"{name} holds {length} floats, {(atLeast ? "at least " : "")}{expected} expected", name);
    }

    private static void Optional(int length, int expected, string name)
    {
        if (length != 0) Require(length, expected, name);
    }
}
