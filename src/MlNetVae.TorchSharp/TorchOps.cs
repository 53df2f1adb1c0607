using MlNetVae.Engine.Kernels;
using MlNetVae.Engine.Nn;
using MlNetVae.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetVae.TorchSharp;

/// <summary>
/// libtorch as an <see cref="IOps{T}"/>: every primitive is one torch operation (or the few the managed engine's
/// definition spells out), so the shared formulas record an autograd graph that libtorch differentiates. Each
/// primitive computes what <see cref="TapeOps"/> computes, in the same order of operations where rounding could differ.
/// </summary>
/// <param name="tensors">The model's tensors by state-dict name: leaf parameters (requires_grad) and constant buffers.</param>
/// <remarks>Results belong to the caller's dispose scope; the named tensors are not created here and outlive it.</remarks>
internal sealed class TorchOps(IReadOnlyDictionary<string, Tensor> tensors) : IOps<Tensor>
{
    // The managed engine's floor inside x log x: log stays finite and 0 * log(Tiny) is exactly 0.
    private const float Tiny = 1e-30f;

    public Tensor Parameter(string name) => Named(name);

    public Tensor Buffer(string name) => Named(name);

    public Tensor Linear(Tensor x, Tensor weight, Tensor bias) => nn.functional.linear(x, weight, bias);

    public Tensor MatMul(Tensor x, Tensor w) => x.matmul(w);

    /// <summary>Rows [batch, C * H * W] viewed as NCHW, convolved, and flattened back to rows (the layout every other primitive sees).</summary>
    public Tensor Conv2d(Tensor x, Tensor weight, Tensor bias, ConvGeometry g) =>
        nn.functional.conv2d(x.reshape(-1, g.InChannels, g.InHeight, g.InWidth), weight, bias,
            strides: [g.Stride, g.Stride], padding: [g.Padding, g.Padding]).reshape(-1, g.OutFeatures);

    /// <summary>The transposed convolution, per-axis output padding included.</summary>
    public Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor bias, ConvGeometry g) =>
        nn.functional.conv_transpose2d(x.reshape(-1, g.InChannels, g.InHeight, g.InWidth), weight, bias,
            strides: [g.Stride, g.Stride], padding: [g.Padding, g.Padding], output_padding: [g.OutputPaddingHeight, g.OutputPaddingWidth]).reshape(-1, g.OutFeatures);

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
        using Scalar zero = 0f.ToScalar(), tiny = Tiny.ToScalar();
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
