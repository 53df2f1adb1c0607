using System.Runtime.InteropServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace MlNetVae.Engine.Autodiff;

internal sealed partial class Tape
{
    /// <summary>Elementwise 1 / (1 + e^-x). Output has the shape of <paramref name="x"/>.</summary>
    public Node Sigmoid(Node x) => Unary<SigmoidNode>(x);

    /// <summary>Elementwise hyperbolic tangent.</summary>
    public Node Tanh(Node x) => Unary<TanhNode>(x);

    /// <summary>Elementwise max(x, 0); the gradient at x = 0 is taken as 0.</summary>
    public Node Relu(Node x) => Unary<ReluNode>(x);

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

