using System.Runtime.InteropServices;
using Google.Protobuf;
using MlNetVae.Onnx.Export;
using MlNetVae.Onnx.Proto;
using MlNetVae.Vae;

namespace MlNetVae.Onnx.Import;

/// <summary>
/// Rebuilds a model from scorer.onnx, which holds every parameter and the preprocessing. Trust is earned in order:
/// the bytes parse (Google.Protobuf bounds every length by the input), the header is ours, the content hash matches,
/// the metadata is in range, the parameter count fits in the file (before any model is allocated), every initializer
/// has its parameter's exact shape and finite values; last, the graph must equal, node for node, the one this
/// exporter writes for the rebuilt model, so no unknown op, attribute or wiring gets through.
/// </summary>
internal static class ScorerLoader
{
    public static VaeModel Load(byte[] file)
    {
        var proto = Parse(file);
        CheckHeader(proto);
        var metadata = MetadataOf(proto);
        if (!Hashing.Matches(file, metadata[Metadata.ContentHash]))
            throw new InvalidDataException("content_hash does not match the file's bytes: the file was modified or corrupted");
        if (metadata.GetValueOrDefault(Metadata.FormatKey) != Metadata.Format) throw new InvalidDataException($"metadata '{Metadata.FormatKey}' must be '{Metadata.Format}'");
        if (metadata.GetValueOrDefault(Metadata.GraphKey) != "scorer") throw new InvalidDataException($"metadata '{Metadata.GraphKey}' must be 'scorer': only scorer.onnx holds the whole model");
        // Before the graph check, so a scorer from a version with another default score says so instead of "node N differs".
        string score = metadata.GetValueOrDefault(Metadata.Score) ?? "";
        if (score != CorrectedNegElboScore.Name)
            throw new InvalidDataException($"metadata '{Metadata.Score}' is '{ImportedOptions.Clip(score)}', but this version's scorer computes '{CorrectedNegElboScore.Name}' (a file from a version with another default anomaly score)");

        var (options, kinds, groups) = ImportedOptions.Read(metadata, file.Length / sizeof(float));
        long scalars = ImportedOptions.ParameterCount(options, kinds);
        if (scalars > file.Length / sizeof(float))
            throw new InvalidDataException($"the metadata describes {scalars} parameters, more than a {file.Length}-byte file can hold");
        var initializers = Initializers(proto.Graph);
        int d = kinds.Length;
        var preprocessor = Rebuild(() => new Preprocessor(kinds, Floats(initializers, VaeGraph.MeanName, [d]), Floats(initializers, VaeGraph.ScaleName, [d]), groups));
        var model = Rebuild(() => new VaeModel(options, preprocessor));
        foreach (var p in model.Parameters.Parameters)
            Floats(initializers, p.Name, p.Value.Shape.ToArray()).CopyTo(p.Value.Span);

        CheckGraph(proto, ScorerExporter.Build(model));
        return model;
    }

    private static ModelProto Parse(byte[] file)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(file);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"not a valid ONNX (protobuf) file: {e.Message}");
        }
    }

    private static void CheckHeader(ModelProto m)
    {
        if (m.IrVersion != GraphBuilder.IrVersion) throw new InvalidDataException($"ir_version is {m.IrVersion}, expected {GraphBuilder.IrVersion}");
        if (m.OpsetImport.Count != 1 || m.OpsetImport[0].Domain != "" || m.OpsetImport[0].Version != GraphBuilder.Opset)
            throw new InvalidDataException($"opset_import must be the default domain at version {GraphBuilder.Opset} alone");
        if (m.ProducerName != Metadata.Producer) throw new InvalidDataException($"producer_name is '{ImportedOptions.Clip(m.ProducerName)}', not '{Metadata.Producer}'");
        if (m.Graph is null) throw new InvalidDataException("the model has no graph");
    }

    private static Dictionary<string, string> MetadataOf(ModelProto m)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in m.MetadataProps)
            if (!result.TryAdd(entry.Key, entry.Value)) throw new InvalidDataException($"metadata '{ImportedOptions.Clip(entry.Key)}' appears twice");
        if (!result.ContainsKey(Metadata.ContentHash)) throw new InvalidDataException($"metadata '{Metadata.ContentHash}' is missing");
        return result;
    }

    private static Dictionary<string, TensorProto> Initializers(GraphProto g)
    {
        var result = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var t in g.Initializer)
            if (!result.TryAdd(t.Name, t)) throw new InvalidDataException($"initializer '{ImportedOptions.Clip(t.Name)}' appears twice");
        return result;
    }

    /// <summary>The finite float32 values of initializer <paramref name="name"/>, which must have exactly <paramref name="shape"/>.</summary>
    private static float[] Floats(Dictionary<string, TensorProto> initializers, string name, int[] shape)
    {
        if (!initializers.TryGetValue(name, out var t)) throw new InvalidDataException($"initializer '{name}' is missing");
        if (t.DataType != (int)TensorProto.Types.DataType.Float) throw new InvalidDataException($"initializer '{name}' has data_type {t.DataType}, expected 1 (float32)");
        if (t.HasDataLocation && t.DataLocation != TensorProto.Types.DataLocation.Default || t.ExternalData.Count > 0)
            throw new InvalidDataException($"initializer '{name}' refers to external data, which the loader does not follow");
        // Compare dims before using them: a hostile dim never reaches an allocation or a product.
        if (!t.Dims.SequenceEqual(shape.Select(s => (long)s)))
            throw new InvalidDataException($"initializer '{name}' has dims [{string.Join(", ", t.Dims.Take(8))}{(t.Dims.Count > 8 ? ", ..." : "")}], expected [{string.Join(", ", shape)}]");
        int count = shape.Aggregate(1, (a, s) => a * s);
        float[] values;
        if (t.RawData.Length > 0 || t.FloatData.Count == 0)
        {
            if (t.FloatData.Count > 0 || t.RawData.Length != (long)count * sizeof(float))
                throw new InvalidDataException($"initializer '{name}' holds {t.RawData.Length} raw bytes and {t.FloatData.Count} floats for {count} values");
            values = MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
        }
        else
        {
            if (t.FloatData.Count != count) throw new InvalidDataException($"initializer '{name}' holds {t.FloatData.Count} floats for {count} values");
            values = t.FloatData.ToArray();
        }
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0) throw new InvalidDataException($"initializer '{name}' has the non-finite value {values[bad]} at {bad}");
        return values;
    }

    /// <summary>Runs a constructor whose own validation (ArgumentException) is, here, a fault of the file.</summary>
    private static T Rebuild<T>(Func<T> create)
    {
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"the file describes an invalid model: {e.Message}");
        }
    }

    /// <summary>The file must be what the exporter writes for the rebuilt model, up to producer_version and the hash's digits.</summary>
    private static void CheckGraph(ModelProto actual, ModelProto expected)
    {
        var a = actual.Graph;
        var e = expected.Graph;
        for (int i = 0; i < Math.Max(a.Node.Count, e.Node.Count); i++)
        {
            if (i < a.Node.Count && i < e.Node.Count && a.Node[i].Equals(e.Node[i])) continue;
            string found = i < a.Node.Count ? ImportedOptions.Clip(a.Node[i].OpType) : "missing", wanted = i < e.Node.Count ? e.Node[i].OpType : "no node";
            throw new InvalidDataException(found == wanted
                ? $"graph node {i} ({wanted}) differs from the expected one in its inputs, outputs or attributes"
                : $"graph node {i} is {found}, expected {wanted}");
        }
        if (!a.Input.Equals(e.Input) || !a.Output.Equals(e.Output))
            throw new InvalidDataException($"the graph's inputs/outputs are not {OnnxNames.Features} -> {OnnxNames.Score}, {OnnxNames.LatentMean}, {OnnxNames.Reconstruction}, {OnnxNames.NegElbo} with the model's shapes");
        for (int i = 0; i < Math.Max(a.Initializer.Count, e.Initializer.Count); i++)
        {
            string? found = i < a.Initializer.Count ? a.Initializer[i].Name : null, wanted = i < e.Initializer.Count ? e.Initializer[i].Name : null;
            if (found != wanted)
                throw new InvalidDataException($"initializer {i} is {(found is null ? "missing" : $"'{ImportedOptions.Clip(found)}'")}, expected {(wanted is null ? "none" : $"'{wanted}'")}");
        }
        var normalized = actual.Clone();
        normalized.ProducerVersion = expected.ProducerVersion;
        normalized.MetadataProps.Single(p => p.Key == Metadata.ContentHash).Value = Hashing.Placeholder;
        if (!normalized.Equals(expected))
            throw new InvalidDataException("the file differs from what MlNetVae writes for the model it describes (extra fields, metadata or tensor encoding)");
    }
}
