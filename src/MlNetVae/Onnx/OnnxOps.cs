using MlNetVae.Engine.Kernels;
using MlNetVae.Engine.Nn;
using MlNetVae.Graph;
using MlNetVae.Spec;

namespace MlNetVae.Onnx;

/// <summary>
/// The ONNX writer as an <see cref="IOps{T}"/>: every primitive emits the opset-17 nodes that compute it, so running a
/// formula through these ops records the formula as a graph. A value is its ONNX name; shapes are tracked (with -1 for
/// the batch dimension) to declare graph outputs. Tensors of the state dict become initializers under their own names.
/// </summary>
internal sealed class OnnxOps(GraphBuilder graph, StateDict state, StateDict? statistics) : IOps<string>
{
    private readonly Dictionary<string, int[]> _shapes = new(StringComparer.Ordinal);

    /// <summary>Declares a graph input [batch, <paramref name="width"/>].</summary>
    public string Input(string name, int width)
    {
        _shapes[name] = [-1, width];
        return graph.Input(name, width);
    }

    /// <summary>Makes <paramref name="value"/> the graph output <paramref name="name"/> ([batch, width]).</summary>
    public void Output(string value, string name)
    {
        var shape = _shapes[value];
        if (shape.Length != 2 || shape[0] != -1) throw new InvalidOperationException($"graph output {name} must be [batch, width], got " +
            $"[{string.Join(", ", shape)}]");
        graph.Node("Identity", [value], name);
        graph.Output(name, shape[1]);
    }

    /// <summary>Makes <paramref name="value"/> [batch, 1] the boolean graph output <paramref name="name"/>: value &gt; threshold.</summary>
    public void GreaterOutput(string value, float threshold, string name)
    {
        graph.Node("Greater", [value, graph.Scalar(threshold)], name);
        graph.BoolOutput(name, 1);
    }

    public string Parameter(string name) => Tensor(name);

    public string Buffer(string name) => Tensor(name);

    public string Linear(string x, string weight, string bias) =>
        Shaped(graph.Node("Gemm", [x, weight, bias], null, GraphBuilder.Int("transB", 1)), [Rows(x), _shapes[weight][0]]);

    public string Conv2d(string x, string weight, string bias, ConvGeometry geometry) => Convolution("Conv", x, weight, bias, geometry);

    public string ConvTranspose2d(string x, string weight, string bias, ConvGeometry geometry) => Convolution("ConvTranspose", x, weight, bias, geometry);

    /// <summary>
    /// Rows [batch, C * H * W] reshaped to NCHW, the ONNX convolution (same weight layouts as ours), and back to rows:
    /// the engine keeps images flattened per row so every other op works on them unchanged.
    /// </summary>
    private string Convolution(string op, string x, string weight, string bias, ConvGeometry g)
    {
        var images = graph.Node("Reshape", [x, graph.Int64s(-1, g.InChannels, g.InHeight, g.InWidth)]);
        var attributes = new List<Proto.AttributeProto>
        {
            GraphBuilder.Ints("kernel_shape", g.KernelHeight, g.KernelWidth), GraphBuilder.Ints("strides", g.Stride, g.Stride),
            GraphBuilder.Ints("pads", g.Padding, g.Padding, g.Padding, g.Padding),
        };
        if (g.Transposed) attributes.Add(GraphBuilder.Ints("output_padding", g.OutputPaddingHeight, g.OutputPaddingWidth));
        var y = graph.Node(op, [images, weight, bias], null, [.. attributes]);
        return Shaped(graph.Node("Reshape", [y, graph.Int64s(-1, g.OutFeatures)]), [Rows(x), g.OutFeatures]);
    }

    public string MatMul(string x, string w) => Shaped(graph.Binary("MatMul", x, w), [Rows(x), _shapes[w][1]]);

    public string Activate(string x, Activation activation) => Like(x, activation switch
    {
        Activation.Relu => graph.Unary("Relu", x),
        Activation.LeakyRelu => graph.Node("LeakyRelu", [x], null, GraphBuilder.Float("alpha", 0.01f)),
        Activation.Elu => graph.Node("Elu", [x], null, GraphBuilder.Float("alpha", 1f)),
        Activation.Tanh => graph.Unary("Tanh", x),
        Activation.Sigmoid => graph.Unary("Sigmoid", x),
        _ => throw new NotSupportedException($"ONNX export does not know the activation {activation}"),
    });

    public string Add(string a, string b) => Like(a, graph.Binary("Add", a, b));

    public string Sub(string a, string b) => Like(a, graph.Binary("Sub", a, b));

    public string Mul(string a, string b) => Like(a, graph.Binary("Mul", a, b));

    public string Div(string a, string b) => Like(a, graph.Binary("Div", a, b));

    public string Scale(string x, float c) => Like(x, graph.Binary("Mul", x, graph.Scalar(c)));

    public string AddScalar(string x, float c) => Like(x, graph.Binary("Add", x, graph.Scalar(c)));

    public string Exp(string x) => Like(x, graph.Unary("Exp", x));

    public string Log(string x) => Like(x, graph.Unary("Log", x));

    /// <summary>AveragePool 3x3, stride 1, pads 1 with count_include_pad = 1: zeros beyond the border count, so every mean is over 9.</summary>
    public string LocalMean(string x, int channels, int height, int width)
    {
        var images = graph.Node("Reshape", [x, graph.Int64s(-1, channels, height, width)]);
        var y = graph.Node("AveragePool", [images], null, GraphBuilder.Ints("kernel_shape", 3, 3), GraphBuilder.Ints("strides", 1, 1),
            GraphBuilder.Ints("pads", 1, 1, 1, 1), GraphBuilder.Int("count_include_pad", 1));
        return Like(x, graph.Node("Reshape", [y, graph.Int64s(-1, channels * height * width)]));
    }

    public string Square(string x) => Like(x, graph.Binary("Mul", x, x));

    public string Clamp(string x, float lo, float hi) => Like(x, graph.Node("Clip", [x, graph.Scalar(lo), graph.Scalar(hi)]));

    public string Sigmoid(string x) => Like(x, graph.Unary("Sigmoid", x));

    /// <summary>Where(x &gt; 0, x log x, 0): Log's -inf or NaN at x &lt;= 0 lies only in the branch Where does not take.</summary>
    public string XLogX(string x)
    {
        var zero = graph.Scalar(0f);
        return Like(x, graph.Node("Where", [graph.Binary("Greater", x, zero), graph.Binary("Mul", x, graph.Unary("Log", x)), zero]));
    }

    /// <summary>(max(l, 0) - l t) + softplus(-|l|), the stable BCE with logits.</summary>
    public string BceWithLogits(string logits, string targets)
    {
        var linear = graph.Binary("Sub", graph.Unary("Relu", logits), graph.Binary("Mul", logits, targets));
        return Like(logits, graph.Binary("Add", linear, graph.Unary("Softplus", graph.Unary("Neg", graph.Unary("Abs", logits)))));
    }

    public string Columns(string x, int start, int length) => Shaped(graph.Columns(x, start, length), [Rows(x), length]);

    public string ConcatColumns(IReadOnlyList<string> parts) =>
        Shaped(graph.Node("Concat", parts.ToArray(), null, GraphBuilder.Int("axis", 1)), [Rows(parts[0]), parts.Sum(p => _shapes[p][1])]);

    public string RowSum(string x) => Shaped(graph.RowSum(x), [Rows(x), 1]);

    /// <summary>m + log sum e^(x - m), m the row's maximum.</summary>
    public string RowLogSumExp(string x)
    {
        var max = graph.Node("ReduceMax", [x], null, GraphBuilder.Ints("axes", 1), GraphBuilder.Int("keepdims", 1));
        return Shaped(graph.Binary("Add", max, graph.Unary("Log", graph.RowSum(graph.Unary("Exp", graph.Binary("Sub", x, max))))), [Rows(x), 1]);
    }

    public string ColumnMean(string x) =>
        Shaped(graph.Node("ReduceMean", [x], null, GraphBuilder.Ints("axes", 0), GraphBuilder.Int("keepdims", 0)), [_shapes[x][1]]);

    public string Sum(string x) => Shaped(graph.Node("ReduceSum", [x], null, GraphBuilder.Int("keepdims", 0)), []);

    public string Mean(string x) => Shaped(graph.Node("ReduceMean", [x], null, GraphBuilder.Int("keepdims", 0)), []);

    /// <summary>True when the graph has <paramref name="name"/> (a tensor of the model it read, or a value it made).</summary>
    public bool Has(string name) => _shapes.ContainsKey(name);

    private string Tensor(string name)
    {
        if (_shapes.ContainsKey(name)) return name;
        var t = state.Contains(name) ? state[name]
            : statistics is not null && statistics.Contains(name) ? statistics[name]
            : throw new InvalidOperationException($"the graph reads tensor '{name}', which the model does not have (score statistics not fitted?)");
        graph.Initializer(name, t.Data, t.Shape.Select(d => (long)d).ToArray());
        return Shaped(name, t.Shape);
    }

    private int Rows(string x) => _shapes[x].Length == 2 ? _shapes[x][0] : throw new InvalidOperationException($"{x} is not a matrix");

    private string Like(string source, string value) => Shaped(value, _shapes[source]);

    private string Shaped(string value, int[] shape)
    {
        _shapes[value] = shape;
        return value;
    }
}
