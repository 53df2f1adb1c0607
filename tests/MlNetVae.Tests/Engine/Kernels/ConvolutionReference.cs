namespace MlNetVae.Engine.Kernels;

/// <summary>
/// Direct loops over the definitions, with double accumulation: what <see cref="Convolution"/> is tested against.
/// The transposed convolution is written as PyTorch defines it (every input pixel scatters its kernel-weighted
/// value onto the output), not as the adjoint the fast kernels use, so the two routes check each other.
/// </summary>
internal static class ConvolutionReference
{
    /// <summary>y[b, o, oy, ox] = bias[o] + sum over c, ky, kx of w[o, c, ky, kx] x[b, c, oy s - p + ky, ox s - p + kx].</summary>
    public static void Conv2d(ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        for (int b = 0; b < batch; b++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        double sum = bias.IsEmpty ? 0 : bias[o];
                        foreach (var (xi, wi) in Taps(g, b, o, oy, ox)) sum += (double)x[xi] * w[wi];
                        y[OutIndex(g, b, o, oy, ox)] = (float)sum;
                    }
    }

    /// <summary>The gradients of <see cref="Conv2d"/>, added to dx, dw, db (each skipped when empty).</summary>
    public static void Conv2dBackward(ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dw, Span<float> db)
    {
        var dxSum = new double[dx.Length];
        var dwSum = new double[dw.Length];
        var dbSum = new double[db.Length];
        for (int b = 0; b < batch; b++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        double d = dy[OutIndex(g, b, o, oy, ox)];
                        if (!db.IsEmpty) dbSum[o] += d;
                        foreach (var (xi, wi) in Taps(g, b, o, oy, ox))
                        {
                            if (!dx.IsEmpty) dxSum[xi] += d * w[wi];
                            if (!dw.IsEmpty) dwSum[wi] += d * x[xi];
                        }
                    }
        Add(dx, dxSum);
        Add(dw, dwSum);
        Add(db, dbSum);
    }

    /// <summary>y[b, o, iy s - p + ky, ix s - p + kx] += w[c, o, ky, kx] x[b, c, iy, ix] over every input pixel and tap, plus bias[o].</summary>
    public static void ConvTranspose2d(ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        var sum = new double[y.Length];
        for (int b = 0; b < batch; b++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int p = 0; p < g.OutHeight * g.OutWidth; p++)
                    sum[(b * g.OutChannels + o) * g.OutHeight * g.OutWidth + p] = bias.IsEmpty ? 0 : bias[o];
        foreach (var (xi, wi, yi) in Scatter(g, batch)) sum[yi] += (double)x[xi] * w[wi];
        for (int i = 0; i < y.Length; i++) y[i] = (float)sum[i];
    }

    /// <summary>The gradients of <see cref="ConvTranspose2d"/>, added to dx, dw, db (each skipped when empty).</summary>
    public static void ConvTranspose2dBackward(ConvGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dw, Span<float> db)
    {
        var dxSum = new double[dx.Length];
        var dwSum = new double[dw.Length];
        var dbSum = new double[db.Length];
        foreach (var (xi, wi, yi) in Scatter(g, batch))
        {
            if (!dx.IsEmpty) dxSum[xi] += (double)dy[yi] * w[wi];
            if (!dw.IsEmpty) dwSum[wi] += (double)dy[yi] * x[xi];
        }
        int plane = g.OutHeight * g.OutWidth;
        if (!db.IsEmpty)
            for (int i = 0; i < batch * g.OutFeatures; i++) dbSum[i / plane % g.OutChannels] += dy[i];
        Add(dx, dxSum);
        Add(dw, dwSum);
        Add(db, dbSum);
    }

    private static int OutIndex(ConvGeometry g, int b, int o, int oy, int ox) =>
        ((b * g.OutChannels + o) * g.OutHeight + oy) * g.OutWidth + ox;

    // (x index, w index) of every tap of conv output pixel (b, o, oy, ox) that lands inside the input.
    private static IEnumerable<(int X, int W)> Taps(ConvGeometry g, int b, int o, int oy, int ox)
    {
        for (int c = 0; c < g.InChannels; c++)
            for (int ky = 0; ky < g.KernelHeight; ky++)
                for (int kx = 0; kx < g.KernelWidth; kx++)
                {
                    int iy = oy * g.Stride - g.Padding + ky, ix = ox * g.Stride - g.Padding + kx;
                    if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue;
                    yield return (((b * g.InChannels + c) * g.InHeight + iy) * g.InWidth + ix, ((o * g.InChannels + c) * g.KernelHeight + ky) * g.KernelWidth + kx);
                }
    }

    // (x index, w index, y index) of every product a transposed convolution adds onto an output pixel inside the output.
    private static IEnumerable<(int X, int W, int Y)> Scatter(ConvGeometry g, int batch)
    {
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < g.InChannels; c++)
                for (int iy = 0; iy < g.InHeight; iy++)
                    for (int ix = 0; ix < g.InWidth; ix++)
                        for (int o = 0; o < g.OutChannels; o++)
                            for (int ky = 0; ky < g.KernelHeight; ky++)
                                for (int kx = 0; kx < g.KernelWidth; kx++)
                                {
                                    int oy = iy * g.Stride - g.Padding + ky, ox = ix * g.Stride - g.Padding + kx;
                                    if (oy < 0 || oy >= g.OutHeight || ox < 0 || ox >= g.OutWidth) continue;
                                    yield return (((b * g.InChannels + c) * g.InHeight + iy) * g.InWidth + ix,
                                        ((c * g.OutChannels + o) * g.KernelHeight + ky) * g.KernelWidth + kx,
                                        ((b * g.OutChannels + o) * g.OutHeight + oy) * g.OutWidth + ox);
                                }
    }

    private static void Add(Span<float> target, double[] sum)
    {
        for (int i = 0; i < target.Length; i++) target[i] = (float)(target[i] + sum[i]);
    }
}
