using MlNetVae.Backends;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetVae.TorchSharp;

/// <summary>
/// libtorch as an <see cref="IOps{T}"/>: every primitive is one torch operation (or the few the managed engine's
/// definition spells out), so the shared formulas record an autograd graph that libtorch differentiates. Each
/// primitive computes what the managed engine computes, in the same order of operations where rounding could differ.
/// </summary>
/// <param name="tensors">The model's tensors by state-dict name: leaf parameters (requires_grad) and constant buffers.</param>
/// <remarks>Results belong to the caller's dispose scope; the named tensors are not created here and outlive it.</remarks>
internal sealed class TorchOps(IReadOnlyDictionary<string, Tensor> tensors) : IOps<Tensor>
{

    public Tensor Parameter(string name) => Named(name);

    public Tensor Buffer(string name) => Named(name);

    public Tensor Linear(Tensor x, Tensor weight, Tensor bias) => nn.functional.linear(x, weight, bias);

    public Tensor MatMul(Tensor x, Tensor w) => x.matmul(w);

    /// <summary>
    /// Rows [batch, C * H * W] viewed as NCHW, convolved, and flattened back to rows (the layout every other primitive sees).
    /// Written as im2col (unfold) and a matmul, the managed engine's own formulation, not nn.functional.conv2d: libtorch
    /// 2.10's oneDNN convolution kernels gave run-to-run different losses, NaN among them, on an AMD EPYC (Zen 5, AVX-512)
    /// machine, where this form matches the managed engine to 1e-7 (BackendParityTests, convolutional model).
    /// </summary>
    public Tensor Conv2d(Tensor x, Tensor weight, Tensor bias, ConvGeometry g)
    {
        var columns = nn.functional.unfold(x.reshape(-1, g.InChannels, g.InHeight, g.InWidth), (g.KernelHeight, g.KernelWidth), padding: (g.Padding,
            g.Padding), stride: (g.Stride, g.Stride)); // (B, Cin kh kw, L)
        var y = weight.reshape(g.OutChannels, -1).matmul(columns);  // (B, Cout, L)
        return y.add(bias.view(1, -1, 1)).reshape(-1, g.OutFeatures);
    }

    /// <summary>
    /// The transposed convolution as the adjoint of <see cref="Conv2d"/>: W^T x per pixel, then col2im (fold) onto the output
    /// size, which carries the per-axis output padding; not oneDNN's deconvolution, for the reason given there.
    /// </summary>
    public Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor bias, ConvGeometry g)
    {
        var images = x.reshape(-1, g.InChannels, g.InHeight * g.InWidth);                 // (B, Cin, H W)
        var w = weight.reshape(g.InChannels, g.OutChannels * g.KernelHeight * g.KernelWidth); // (Cin, Cout kh kw)
        var columns = w.t().matmul(images);                                                // (B, Cout kh kw, H W)
        var y = nn.functional.fold(columns, (g.OutHeight, g.OutWidth), (g.KernelHeight, g.KernelWidth), stride: (g.Stride, g.Stride),
            padding: (g.Padding, g.Padding));
        return y.add(bias.view(1, -1, 1, 1)).reshape(-1, g.OutFeatures);
    }

    public Tensor Activate(Tensor x, Activation activation) => activation switch
    {
        Activation.Relu => nn.functional.relu(x),
        Activation.LeakyRelu => nn.functional.leaky_relu(x, 0.01),
        Activation.Elu => nn.functional.elu(x, 1.0),
        Activation.Tanh => x.tanh(),
        Activation.Sigmoid => x.sigmoid(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
    };

    // libtorch broadcasts a [cols] vector over rows and a [rows, 1] column over columns by itself.
    public Tensor Add(Tensor a, Tensor b) => a.add(b);

    public Tensor Sub(Tensor a, Tensor b) => a.sub(b);

    public Tensor Mul(Tensor a, Tensor b) => a.mul(b);

    public Tensor Div(Tensor a, Tensor b) => a.div(b);

    public Tensor Scale(Tensor x, float c)
    {
        // Scalars hold native memory outside any dispose scope: released here rather than by the finalizer.
        using var s = c.ToScalar();
        return x.mul(s);
    }

    public Tensor AddScalar(Tensor x, float c)
    {
        using var s = c.ToScalar();
        return x.add(s);
    }

    public Tensor Exp(Tensor x) => x.exp();

    public Tensor Log(Tensor x) => x.log();

    public Tensor LocalMean(Tensor x, int channels, int height, int width) =>
        nn.functional.avg_pool2d(x.view(-1, channels, height, width), 3, 1, 1, count_include_pad: true).view(x.shape[0], -1);

    public Tensor Square(Tensor x) => x.square();

    public Tensor Clamp(Tensor x, float lo, float hi)
    {
        using Scalar min = lo.ToScalar(), max = hi.ToScalar();
        return x.clamp(min, max);
    }

    public Tensor Sigmoid(Tensor x) => x.sigmoid();

    public Tensor XLogX(Tensor x)
    {
        // where() masks the gradient of the branch it does not take; the floor keeps that branch finite, so no NaN
        // leaks into the gradient through 0 * inf.
        using Scalar zero = 0f.ToScalar(), tiny = SharedNumerics.LogFloor.ToScalar();
        return where(x.gt(zero), x.mul(x.clamp_min(tiny).log()), zeros_like(x));
    }

    public Tensor BceWithLogits(Tensor logits, Tensor targets)
    {
        // Written out rather than nn.functional.binary_cross_entropy_with_logits, whose libtorch formula
        // ((1 - t) l - log sigmoid l) rounds differently: (max(l, 0) - l t) + log(1 + e^-|l|), the managed engine's order.
        var linear = nn.functional.relu(logits).sub(logits.mul(targets));
        return linear.add(logits.abs().neg().exp().log1p());
    }

    public Tensor Columns(Tensor x, int start, int length) => x.narrow(1, start, length);

    public Tensor ConcatColumns(IReadOnlyList<Tensor> parts) => cat(parts as IList<Tensor> ?? parts.ToArray(), 1);

    public Tensor RowSum(Tensor x) => x.sum(1, keepdim: true);

    public Tensor RowLogSumExp(Tensor x) => x.logsumexp(1, keepdim: true);

    public Tensor ColumnMean(Tensor x) => x.mean([0]);

    // The contract's scalars are [1]; libtorch's full reductions are 0-dimensional. view() is free.
    public Tensor Sum(Tensor x) => x.sum().view(1);

    public Tensor Mean(Tensor x) => x.mean().view(1);

    private Tensor Named(string name) =>
        tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"the model has no tensor '{name}'");
}
