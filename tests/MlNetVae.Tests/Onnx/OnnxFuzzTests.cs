using System.Diagnostics;
using Google.Protobuf;
using MlNetVae.Engine.Randomness;
using MlNetVae.Onnx;
using MlNetVae.Onnx.Proto;
using NUnit.Framework;
using static MlNetVae.Tests.Onnx.OnnxTestModels;

namespace MlNetVae.Tests.Onnx;

/// <summary>
/// Thousands of broken scorer.onnx files: truncations at every length, random bit flips, and hand-made hostile files
/// (re-stamped with a valid content hash so they reach the deeper checks). Each must be rejected with an
/// <see cref="InvalidDataException"/> and a message, quickly, allocating no more than the input warrants.
/// </summary>
public class OnnxFuzzTests
{
    [Test]
    public void EveryBrokenFileIsRejectedQuicklyWithAClearError()
    {
        var model = Get(Kind.Mixed, trained: false).Model;
        var good = OnnxExport.Scorer(model);
        Assert.That(OnnxImport.Load(good), Is.Not.Null, "the unbroken file loads");

        var cases = new List<(string Name, byte[] File)>();
        for (int length = 0; length < good.Length; length += 1 + length / 200) cases.Add(($"truncated to {length}", good[..length]));
        var rng = new Rng(42);
        for (int i = 0; i < 3000; i++)
        {
            var file = (byte[])good.Clone();
            int flips = 1 + (int)(rng.NextFloat() * 4);
            for (int f = 0; f < flips; f++) file[(int)(rng.NextFloat() * file.Length)] ^= (byte)(1 << (int)(rng.NextFloat() * 8));
            cases.Add(($"bit flips #{i}", file));
        }
        cases.AddRange(Hostile(good));

        long maxTicks = 0, maxAllocated = 0;
        string slowest = "";
        var clock = Stopwatch.StartNew();
        foreach (var (name, file) in cases)
        {
            long before = GC.GetAllocatedBytesForCurrentThread(), start = Stopwatch.GetTimestamp();
            var e = Assert.Throws<InvalidDataException>(() => OnnxImport.Load(file), name);
            long ticks = Stopwatch.GetTimestamp() - start, allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.That(e!.Message, Does.StartWith("scorer.onnx: ").And.Length.GreaterThan(20), name);
            // Parsing, the hash copy, the model and its re-export each take about the file's size.
            Assert.That(allocated, Is.LessThan(64L * good.Length + (1 << 20)), $"{name}: allocated {allocated} bytes");
            if (!name.StartsWith("bit flips") && !name.StartsWith("truncated")) TestContext.Out.WriteLine($"{name}: {e.Message}");
            if (ticks > maxTicks) (maxTicks, slowest) = (ticks, name);
            maxAllocated = Math.Max(maxAllocated, allocated);
        }
        TestContext.Progress.WriteLine($"fuzz: {cases.Count} files of up to {good.Length} bytes rejected in {clock.Elapsed.TotalSeconds:F2} s; " +
            $"slowest {maxTicks * 1000.0 / Stopwatch.Frequency:F2} ms ({slowest}); most allocated {maxAllocated} bytes");
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(15));
    }

    /// <summary>Hand-made hostile files, each named by what is wrong with it.</summary>
    private static IEnumerable<(string, byte[])> Hostile(byte[] good)
    {
        ModelProto Parse() => ModelProto.Parser.ParseFrom(good);
        byte[] Restamped(Action<ModelProto> change)
        {
            var m = Parse();
            change(m);
            m.MetadataProps.Single(p => p.Key == "content_hash").Value = new string('0', 64);
            return OnnxExport.Serialize(m);
        }
        TensorProto Init(ModelProto m, string name) => m.Graph.Initializer.Single(t => t.Name == name);
        void Meta(ModelProto m, string key, string value) => m.MetadataProps.Single(p => p.Key == key).Value = value;

        // Length-delimited graph fields (7) claiming 2^31 - 1 and 2^62 bytes, and graphs nested far past the recursion limit.
        yield return ("huge length field", [0x08, 0x08, 0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00]);
        yield return ("64-bit length field", [0x08, 0x08, 0x3A, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]);
        yield return ("deep nesting", Nested(300));
        yield return ("empty file", []);
        yield return ("hash not updated", Modified(good, m => m.Graph.Name = "scorer2"));
        yield return ("huge dims", Restamped(m => { var t = Init(m, "encoder.0.weight"); t.Dims.Clear(); t.Dims.Add([1L << 40, 1L << 40]); }));
        yield return ("negative dims", Restamped(m => { var t = Init(m, "encoder.0.weight"); t.Dims[0] = -24; }));
        yield return ("dims product overflows", Restamped(m => { var t = Init(m, "decoder.0.bias"); t.Dims.Clear(); t.Dims.Add([int.MaxValue, int.MaxValue, 8]); }));
        yield return ("wrong shape", Restamped(m => { var t = Init(m, "encoder.0.weight"); (t.Dims[0], t.Dims[1]) = (t.Dims[1], t.Dims[0]); }));
        yield return ("short raw data", Restamped(m => { var t = Init(m, "encoder.0.bias"); t.RawData = ByteString.CopyFrom(t.RawData.Span[..^4]); }));
        yield return ("both raw and float data", Restamped(m => Init(m, "encoder.0.bias").FloatData.Add(1f)));
        yield return ("double initializer", Restamped(m => Init(m, "encoder.0.bias").DataType = 11));
        yield return ("external data", Restamped(m => Init(m, "encoder.0.bias").DataLocation = TensorProto.Types.DataLocation.External));
        yield return ("missing initializer", Restamped(m => m.Graph.Initializer.Remove(Init(m, "decoder.2.weight"))));
        yield return ("duplicate initializer", Restamped(m => m.Graph.Initializer.Add(Init(m, "decoder.2.bias").Clone())));
        yield return ("extra initializer", Restamped(m => m.Graph.Initializer.Add(new TensorProto { Name = "extra", DataType = 1, Dims = { 1 }, FloatData = { 1f } })));
        yield return ("NaN weight", Restamped(m => { var t = Init(m, "encoder.0.bias"); var v = t.RawData.ToByteArray(); BitConverter.GetBytes(float.NaN).CopyTo(v, 0); t.RawData = ByteString.CopyFrom(v); }));
        yield return ("zero scale", Restamped(m => { var t = Init(m, "preprocess.scale"); t.RawData = ByteString.CopyFrom(new byte[t.RawData.Length]); }));
        yield return ("wrong op", Restamped(m => m.Graph.Node.First(n => n.OpType == "Relu").OpType = "Sigmoid"));
        yield return ("unknown op", Restamped(m => m.Graph.Node.First(n => n.OpType == "Gemm").OpType = "Conv"));
        yield return ("changed attribute", Restamped(m => m.Graph.Node.First(n => n.OpType == "Gemm").Attribute[0].I = 0));
        yield return ("extra node", Restamped(m => m.Graph.Node.Add(new NodeProto { OpType = "Identity", Input = { "features" }, Output = { "x" } })));
        yield return ("removed node", Restamped(m => m.Graph.Node.RemoveAt(m.Graph.Node.Count - 1)));
        yield return ("renamed output", Restamped(m => m.Graph.Output[0].Name = "anomaly"));
        yield return ("wrong ir_version", Restamped(m => m.IrVersion = 3));
        yield return ("wrong opset", Restamped(m => m.OpsetImport[0].Version = 9));
        yield return ("foreign producer", Restamped(m => m.ProducerName = "pytorch"));
        yield return ("no graph", Restamped(m => m.Graph = null));
        yield return ("huge feature_count", Restamped(m => Meta(m, "feature_count", "1000000")));
        yield return ("huge hidden width", Restamped(m => Meta(m, "encoder_hidden", "1048576,1048576")));
        yield return ("hidden width too large to multiply", Restamped(m => Meta(m, "encoder_hidden", "99999999999")));
        yield return ("zero hidden width", Restamped(m => Meta(m, "encoder_hidden", "0")));
        yield return ("negative latent", Restamped(m => Meta(m, "latent_size", "-3")));
        yield return ("garbage likelihood", Restamped(m => Meta(m, "likelihood", "poisson 0 14")));
        yield return ("overlapping segments", Restamped(m => Meta(m, "likelihood", "bernoulli 0 6;gaussian 4 10")));
        yield return ("segments short of the columns", Restamped(m => Meta(m, "likelihood", "bernoulli 0 5")));
        yield return ("unknown activation", Restamped(m => Meta(m, "activation", "Swish")));
        yield return ("numeric activation", Restamped(m => Meta(m, "activation", "2")));
        yield return ("infinite clamp", Restamped(m => Meta(m, "log_var_clamp", "Infinity")));
        yield return ("missing metadata", Restamped(m => m.MetadataProps.Remove(m.MetadataProps.Single(p => p.Key == "latent_size"))));
        yield return ("duplicate metadata", Restamped(m => m.MetadataProps.Add(new StringStringEntryProto { Key = "seed", Value = "7" })));
        yield return ("long hostile string", Restamped(m => Meta(m, "activation", new string('x', 100_000))));
        yield return ("not the scorer", Restamped(m => Meta(m, "mlnetvae.graph", "decoder")));
    }

    /// <summary>A model whose graph holds a node whose attribute holds a graph ... <paramref name="depth"/> times.</summary>
    private static byte[] Nested(int depth)
    {
        var graph = new GraphProto();
        for (int i = 0; i < depth; i++)
            graph = new GraphProto { Node = { new NodeProto { OpType = "If", Attribute = { new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = graph } } } } };
        return new ModelProto { IrVersion = 8, Graph = graph }.ToByteArray();
    }

    /// <summary>A parsed, changed and re-serialized copy whose content_hash still states the original's digits.</summary>
    private static byte[] Modified(byte[] good, Action<ModelProto> change)
    {
        var m = ModelProto.Parser.ParseFrom(good);
        change(m);
        return m.ToByteArray();
    }
}
