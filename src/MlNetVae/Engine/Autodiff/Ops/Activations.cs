using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace MlNetVae.Engine.Autodiff;

internal sealed partial class Tape
{
    /// <summary>Elementwise 1 / (1 + e^-x). Output has the shape of <paramref name="x"/>.</summary>
    public Node Sigmoid(Node x) => Unary<SigmoidNode>(x);

    /// <summary>Elementwise hyperbolic tangent.</summary>
    public Node Tanh(Node x) => Unary<TanhNode>(x);

    /// <summary>Elementwise max(x, 0); the gradient at x = 0 is taken as 0.</summary>
    public Node Relu(Node x) => Unary<ReluNode>(x);

    /// <summary>
    /// The ReLU of a layer's output: when <paramref name="x"/> is a Linear layer or a convolution and the last op recorded,
    /// the ReLU is folded into it (<see cref="FusedRelu"/>) and x itself comes back, rectified, so its values before the
    /// ReLU are gone; for a caller that reads nothing but the activation (a layer followed by its nonlinearity). Any
    /// other x gets a <see cref="Relu"/>.
    /// </summary>
    internal Node ReluOfLayer(Node x)
    {
        if (x.Position != _count - 1 || _nodes[x.Position] != x) return Relu(x);
        switch (x)
        {
            case LinearNode linear: linear.FuseRelu(Compute); return x;
            case ConvNode conv: conv.FuseRelu(Compute); return x;
            default: return Relu(x);
        }
    }

    /// <summary>Elementwise x for x &gt; 0, else <paramref name="slope"/> * x.</summary>
    public Node LeakyRelu(Node x, float slope = 0.01f)
    {
        var node = Push<LeakyReluNode>();
        node.Slope = slope;
        node.Forward(x);
        return node;
    }

    /// <summary>Elementwise x for x &gt; 0, else <paramref name="alpha"/> * (e^x - 1).</summary>
    public Node Elu(Node x, float alpha = 1f)
    {
        var node = Push<EluNode>();
        node.Alpha = alpha;
        node.Forward(x);
        return node;
    }

}

internal sealed class SigmoidNode : UnaryNode
{
    private Tensor? _scratch;

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sigmoid(x, y);

    // dx += dy * y (1 - y)
    private protected override void AddGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        var g = Scratch(ref _scratch, Shape);
        TensorPrimitives.Subtract(1f, y, g);
        TensorPrimitives.Multiply(g, y, g);
        TensorPrimitives.MultiplyAdd(dy, g, dx, dx);
    }
}

internal sealed class TanhNode : UnaryNode
{
    private Tensor? _scratch;

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);

    // dx += dy * (1 - y^2)
    private protected override void AddGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        var g = Scratch(ref _scratch, Shape);
        TensorPrimitives.Multiply(y, y, g);
        TensorPrimitives.Subtract(1f, g, g);
        TensorPrimitives.MultiplyAdd(dy, g, dx, dx);
    }
}

internal sealed class ReluNode : UnaryNode
{
    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    private protected override void AddGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        // Branch-free: half the signs are random, so a branch per element mispredicts half the time.
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref float xr = ref MemoryMarshal.GetReference(x), dyr = ref MemoryMarshal.GetReference(dy), dxr = ref MemoryMarshal.GetReference(dx);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                nuint at = (nuint)i;
                var pass = Vector.GreaterThan(Vector.LoadUnsafe(ref xr, at), Vector<float>.Zero);
                (Vector.LoadUnsafe(ref dxr, at) + Vector.ConditionalSelect(pass, Vector.LoadUnsafe(ref dyr, at), Vector<float>.Zero)).StoreUnsafe(ref dxr, at);
            }
        }
        for (; i < x.Length; i++)
            if (x[i] > 0) dx[i] += dy[i];
    }
}

/// <summary>
/// A ReLU folded into the layer op that produced its input (<see cref="LinearNode"/>, <see cref="ConvNode"/>): the layer's
/// output is rectified in place, and backward zeroes the layer's output gradient where the output is 0 before the layer
/// uses it. The same values and gradients as a separate <see cref="ReluNode"/> (y &gt; 0 exactly where x &gt; 0), without
/// its output buffer, its gradient buffer and their passes. Both passes are split over the threads.
/// </summary>
internal static unsafe class FusedRelu
{
    /// <summary>y = max(y, 0) in place.</summary>
    public static void Apply(Compute compute, Span<float> y)
    {
        fixed (float* p = y)
        {
            var body = new ApplyBody { Y = p };
            compute.ForRanges(ref body, y.Length);
        }
    }

    /// <summary>dy = 0 where y is not positive, in place: the gradient at the ReLU's input.</summary>
    public static void Mask(Compute compute, ReadOnlySpan<float> y, Span<float> dy)
    {
        fixed (float* py = y, pdy = dy)
        {
            var body = new MaskBody { Y = py, Dy = pdy };
            compute.ForRanges(ref body, y.Length);
        }
    }

    private struct ApplyBody : IRangeBody
    {
        public float* Y;

        public readonly void Run(int start, int length)
        {
            var y = new Span<float>(Y + start, length);
            TensorPrimitives.Max(y, 0f, y);
        }
    }

    private struct MaskBody : IRangeBody
    {
        public float* Y, Dy;

        public readonly void Run(int start, int length)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated)
                for (; i <= length - Vector<float>.Count; i += Vector<float>.Count)
                {
                    nuint at = (nuint)(start + i);
                    var pass = Vector.GreaterThan(Vector.Load(Y + at), Vector<float>.Zero);
                    Vector.ConditionalSelect(pass, Vector.Load(Dy + at), Vector<float>.Zero).Store(Dy + at);
                }
            for (; i < length; i++)
                if (!(Y[start + i] > 0)) Dy[start + i] = 0;
        }
    }
}

internal sealed class LeakyReluNode : UnaryNode
{
    public float Slope;

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : Slope * x[i];
    }

    private protected override void AddGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < x.Length; i++) dx[i] += x[i] > 0 ? dy[i] : Slope * dy[i];
    }
}

internal sealed class EluNode : UnaryNode
{
    public float Alpha;

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        TensorPrimitives.ExpM1(x, y);
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : Alpha * y[i];
    }

    // For x <= 0, d/dx alpha (e^x - 1) = alpha e^x = y + alpha.
    private protected override void AddGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < x.Length; i++) dx[i] += x[i] > 0 ? dy[i] : dy[i] * (y[i] + Alpha);
    }
}

