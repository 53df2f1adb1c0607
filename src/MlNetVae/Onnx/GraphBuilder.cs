using System.Runtime.InteropServices;
using Google.Protobuf;
using MlNetVae.Onnx.Proto;

namespace MlNetVae.Onnx;

/// <summary>
/// Builds one ONNX graph (IR 8, default-domain opset 17): float32 inputs and outputs with a dynamic <c>batch</c>
/// dimension, initializers, Constant nodes for the small int64/float operands, and nodes whose outputs get
/// generated names unless the caller names them (graph outputs keep their contract names).
/// </summary>
internal sealed class GraphBuilder(string graphName)
{
    public const long IrVersion = 8;
    public const long Opset = 17;
    public const string BatchDim = "batch";

    private readonly GraphProto _graph = new() { Name = graphName };
    private readonly HashSet<string> _initializers = [];
    private readonly Dictionary<string, string> _constants = [];
    private int _next;

    /// <summary>Declares a graph input of shape [batch, <paramref name="width"/>]; returns its name.</summary>
    public string Input(string name, int width)
    {
        _graph.Input.Add(Matrix(name, width));
        return name;
    }

    /// <summary>Declares the value <paramref name="name"/> (already produced by a node) a graph output of shape [batch, width].</summary>
    public void Output(string name, int width) => _graph.Output.Add(Matrix(name, width));

    /// <summary>Declares the boolean value <paramref name="name"/> a graph output of shape [batch, width].</summary>
    public void BoolOutput(string name, int width) => _graph.Output.Add(Matrix(name, width, TensorProto.Types.DataType.Bool));

    /// <summary>Adds a float32 initializer once (a second call with the same name is a no-op); returns its name.</summary>
    public string Initializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        if (!_initializers.Add(name)) return name;
        _graph.Initializer.Add(new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            Dims = { dims },
            // ONNX stores raw_data little-endian, as every platform .NET runs on is.
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)),
        });
        return name;
    }

    /// <summary>A float32 scalar as a Constant node (one per distinct value).</summary>
    public string Scalar(float value) =>
        Constant($"f:{BitConverter.SingleToInt32Bits(value)}", new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, FloatData = { value } });

    /// <summary>An int64 vector as a Constant node (one per distinct value), for Slice bounds and reduction axes.</summary>
    public string Int64s(params long[] values) =>
        Constant($"i:{string.Join(",", values)}", new TensorProto
        {
            DataType = (int)TensorProto.Types.DataType.Int64, Dims = { values.Length },
            Int64Data = { values }
        });

    /// <summary>Adds a node; returns its (single) output's name: <paramref name="output"/>, or a generated one.</summary>
    public string Node(string op, string[] inputs, string? output = null, params AttributeProto[] attributes)
    {
        output ??= $"{op.ToLowerInvariant()}_{_next++}";
        _graph.Node.Add(new NodeProto { OpType = op, Name = $"{op}_{_graph.Node.Count}", Input = { inputs }, Output = { output }, Attribute = { attributes } });
        return output;
    }

    /// <summary>Elementwise op of one input.</summary>
    public string Unary(string op, string x, string? output = null) => Node(op, [x], output);

    /// <summary>Elementwise op of two inputs (numpy broadcasting).</summary>
    public string Binary(string op, string a, string b, string? output = null) => Node(op, [a, b], output);

    /// <summary>Columns [start, start + length) of a matrix [batch, n]: [batch, length].</summary>
    public string Columns(string x, int start, int length, string? output = null) =>
        Node("Slice", [x, Int64s(start), Int64s(start + length), Int64s(1)], output);

    /// <summary>Sum along each row of a matrix [batch, n]: [batch, 1].</summary>
    public string RowSum(string x, string? output = null) => Node("ReduceSum", [x, Int64s(1)], output, Int("keepdims", 1));

    /// <summary>The model around the graph, with producer and metadata.</summary>
    public ModelProto Build(string producerVersion, IEnumerable<(string Key, string Value)> metadata) => new()
    {
        IrVersion = IrVersion,
        OpsetImport = { new OperatorSetIdProto { Domain = "", Version = Opset } },
        ProducerName = Metadata.Producer,
        ProducerVersion = producerVersion,
        Graph = _graph,
        MetadataProps = { metadata.Select(m => new StringStringEntryProto { Key = m.Key, Value = m.Value }) },
    };

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values) => new()
    {
        Name = name, Type = AttributeProto.Types.AttributeType.Ints,
        Ints = { values }
    };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private string Constant(string key, TensorProto value)
    {
        if (_constants.TryGetValue(key, out var name)) return name;
        name = Node("Constant", [], $"const_{_constants.Count}",
            new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value });
        _constants[key] = name;
        return name;
    }

    private static ValueInfoProto Matrix(string name, int width, TensorProto.Types.DataType type = TensorProto.Types.DataType.Float) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = (int)type,
                Shape = new TensorShapeProto
                {
                    Dim = { new TensorShapeProto.Types.Dimension { DimParam = BatchDim },
                    new TensorShapeProto.Types.Dimension { DimValue = width } }
                },
            },
        },
    };
}
