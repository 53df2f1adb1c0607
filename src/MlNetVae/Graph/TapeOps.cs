using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Kernels;
using MlNetVae.Engine.Nn;

namespace MlNetVae.Graph;

/// <summary>
/// The managed engine as an <see cref="IOps{T}"/>: every primitive records one op (or two) on a <see cref="Tape"/>,
/// whose backward pass then differentiates the formula. Used for training and for managed scoring. A Linear layer is
/// one fused op, and a ReLU right after a layer is folded into it (the layer's values before it are not kept).
/// </summary>
/// <param name="tape">Where ops are recorded.</param>
/// <param name="weights">The model's tensors.</param>
internal sealed class TapeOps(Tape tape, EngineWeights weights) : IOps<Node>
{
    /// <summary>The tape the ops are recorded on.</summary>
    public Tape Tape { get; } = tape;

    private ConstantNode? _localMeanKernel;

    public Node Parameter(string name) => weights[name];

    public Node Buffer(string name) => weights[name];

    public Node Linear(Node x, Node weight, Node bias) => Tape.Linear(x, weight, bias);

    public Node Conv2d(Node x, Node weight, Node bias, ConvGeometry geometry) => Tape.Conv2d(x, weight, bias, geometry);

    public Node ConvTranspose2d(Node x, Node weight, Node bias, ConvGeometry geometry) => Tape.ConvTranspose2d(x, weight, bias, geometry);

    public Node MatMul(Node x, Node w) => Tape.MatMul(x, w);

    public Node Activate(Node x, Activation activation) => activation switch
    {
        Activation.Relu => Tape.ReluOfLayer(x), // the formulas activate layer outputs they read nowhere else
        Activation.LeakyRelu => Tape.LeakyRelu(x, 0.01f),
        Activation.Elu => Tape.Elu(x, 1f),
        Activation.Tanh => Tape.Tanh(x),
        Activation.Sigmoid => Tape.Sigmoid(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
    };

    public Node Add(Node a, Node b) => Same(a, b) ? Tape.Add(a, b) : Tape.Broadcast(BinaryOp.Add, a, b);

    public Node Sub(Node a, Node b) => Same(a, b) ? Tape.Sub(a, b) : Tape.Broadcast(BinaryOp.Sub, a, b);

    public Node Mul(Node a, Node b) => Same(a, b) ? Tape.Mul(a, b) : Tape.Broadcast(BinaryOp.Mul, a, b);

    public Node Div(Node a, Node b) => Same(a, b) ? Tape.Div(a, b) : Tape.Broadcast(BinaryOp.Div, a, b);

    public Node Scale(Node x, float c) => Tape.Scale(x, c);

    public Node AddScalar(Node x, float c) => Tape.AddScalar(x, c);

    public Node Exp(Node x) => Tape.Exp(x);

    public Node Log(Node x) => Tape.Log(x);

    /// <summary>A convolution with a fixed per-channel 3x3 kernel of 1/9: the engine's own conv kernel does the work.</summary>
    public Node LocalMean(Node x, int channels, int height, int width) =>
        Tape.Conv2d(x, LocalMeanKernel(channels), null, ConvGeometry.Conv2d(channels, height, width, channels, 3, 3, stride: 1, padding: 1));

    public Node Square(Node x) => Tape.Square(x);

    public Node Clamp(Node x, float lo, float hi) => Tape.Clamp(x, lo, hi);

    public Node Sigmoid(Node x) => Tape.Sigmoid(x);

    public Node XLogX(Node x) => Tape.XLogX(x);

    public Node BceWithLogits(Node logits, Node targets) => Tape.BceWithLogits(logits, targets);

    public Node Columns(Node x, int start, int length) => Tape.Slice(x, start, length);

    public Node ConcatColumns(IReadOnlyList<Node> parts) => Tape.Concat(parts.ToArray());

    public Node RowSum(Node x) => Tape.Sum(x, 1);

    public Node RowLogSumExp(Node x) => Tape.LogSumExp(x, 1);

    public Node ColumnMean(Node x) => Tape.Mean(x, 0);

    public Node Sum(Node x) => Tape.Sum(x);

    public Node Mean(Node x) => Tape.Mean(x);

    /// <summary>[C, C, 3, 3]: 1/9 where the output channel is the input channel, 0 elsewhere; made once per ops.</summary>
    private ConstantNode LocalMeanKernel(int channels)
    {
        if (_localMeanKernel?.Value.Shape[0] == channels) return _localMeanKernel;
        var kernel = new Tensor(channels, channels, 3, 3);
        for (int c = 0; c < channels; c++) kernel.Span.Slice((c * channels + c) * 9, 9).Fill(1f / 9);
        return _localMeanKernel = new ConstantNode(kernel);
    }

    private static bool Same(Node a, Node b) => a.Value.HasShape(b.Value.Shape);
}
