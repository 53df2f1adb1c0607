using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using MlNetVae.Graph;
using MlNetVae.Onnx;
using MlNetVae.Onnx.Proto;
using MlNetVae.Spec;

namespace MlNetVae;

/// <summary>A model read back from scorer.onnx, with the metadata it carries.</summary>
/// <param name="Model">The spec and the state dict (and score statistics, when the file has them).</param>
/// <param name="Score">The score the file's <c>score</c> output computes.</param>
/// <param name="Metadata">Every metadata_props entry, by key.</param>
public sealed record ImportedModel(VaeModelParameters Model, AnomalyScore Score, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Reads a model from the bytes of a scorer.onnx written by <see cref="OnnxExport"/> (of this or an older format
/// version). It reads what a model is, the options, the layout and the tensors by name, and validates all of it
/// (content hash, sizes bounded by the file, shapes, finite values, options in range); it does not compare the graph's
/// nodes with what this build's exporter would write, so a change to the exporter never makes saved models unreadable.
/// Any fault is an <see cref="InvalidDataException"/> naming it.
/// </summary>
public static class OnnxImport
{
    /// <summary>True when <paramref name="file"/> parses as an ONNX model that MlNetVae wrote (it may still fail to load).</summary>
    internal static bool IsOurs(byte[] file)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(file).ProducerName == Metadata.Producer;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    /// <summary>The output names of the graph in <paramref name="file"/>, which <see cref="Load"/> has read.</summary>
    internal static IReadOnlySet<string> OutputNames(byte[] file) => Parse(file).Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Reads the model in <paramref name="file"/>.</summary>
    /// <exception cref="InvalidDataException">Not a scorer.onnx of ours, corrupted, newer, or inconsistent (the message says which).</exception>
    public static ImportedModel Load(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var proto = Parse(file);
        if (proto.IrVersion != GraphBuilder.IrVersion) throw new InvalidDataException($"ir_version is {proto.IrVersion}, expected {GraphBuilder.IrVersion}");
        if (proto.ProducerName != Metadata.Producer) throw new InvalidDataException($"producer_name is '{Metadata.Clip(proto.ProducerName)}', not " +
            $"'{Metadata.Producer}': not an MlNetVae model");
        if (proto.Graph is null) throw new InvalidDataException("the model has no graph");
        var metadata = MetadataOf(proto);
        if (!Hashing.Matches(file, metadata[Metadata.ContentHash]))
            throw new InvalidDataException($"the content hash does not match the file: it was changed or corrupted after it was written");
        string format = Get(metadata, Metadata.FormatKey);
        if (!int.TryParse(format, NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version < 1)
            throw new InvalidDataException($"metadata '{Metadata.FormatKey}' is '{Metadata.Clip(format)}', not a format version");
        if (version > Metadata.Format)
            throw new InvalidDataException($"written in model format {version} by a newer MlNetVae; this version reads formats up to {Metadata.Format}");
        if (version < Metadata.Format)
            throw new InvalidDataException($"written in model format {version} (MlNetVae before the ML.NET model file); re-train the model with this version");
        if (Get(metadata, Metadata.GraphKey) != "scorer") throw new InvalidDataException($"metadata '{Metadata.GraphKey}' must be 'scorer': only " +
            $"scorer.onnx holds the whole model");
        var score = Metadata.ParseScore(Get(metadata, Metadata.ScoreKey)) is { } named && named is not (AnomalyScore.NegElbo or AnomalyScore.IwaeNll) ? named
            : throw new InvalidDataException($"metadata '{Metadata.ScoreKey}' names '{Metadata.Clip(metadata[Metadata.ScoreKey])}', not a " +
                $"deterministic score a graph computes");

        long maxFloats = file.Length / sizeof(float);
        var layout = Metadata.ParseLayout(Get(metadata, Metadata.LayoutKey), maxFloats);
        VaeSpec spec;
        try
        {
            spec = VaeSpec.Resolve(OptionCatalog.FromJson(Get(metadata, Metadata.OptionsKey)), layout);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"metadata '{Metadata.OptionsKey}' describes an invalid model: {e.Message}");
        }
        // The spec's tensors must fit in the file before anything is allocated for them.
        long needed = spec.Tensors.Sum(t => (long)t.Length);
        if (needed > maxFloats) throw new InvalidDataException($"the metadata describes {needed} parameters, more than a {file.Length}-byte file can hold");

        var initializers = Initializers(proto.Graph);
        var state = new StateDict();
        foreach (var t in spec.Tensors) state.Set(t.Name, t.Shape, Floats(initializers, t.Name, t.Shape));
        StateDict? statistics = null;
        if (initializers.ContainsKey(ScoreStatistics.LatentCenter))
        {
            statistics = new StateDict();
            foreach (var name in initializers.Keys.Where(n => n.StartsWith("score.", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                var dims = initializers[name].Dims;
                // At most a [D] vector (the pixels' usual error levels) or a [K, K] matrix.
                if (dims.Count > 2 || dims.Any(d => d < 1 || d > Math.Max(4096, spec.Features)))
                    throw new InvalidDataException($"initializer '{Metadata.Clip(name)}' has an impossible shape");
                var shape = dims.Select(d => (int)d).ToArray();
                statistics.Set(name, shape, Floats(initializers, name, shape));
            }
        }
        try
        {
            if (statistics is not null) ScoreStatistics.Validate(statistics, spec.Features, spec.LatentSize);
            if (ScoreStatistics.Missing(spec, statistics, score) is { } missing) throw new ArgumentException(missing);
            return new ImportedModel(new VaeModelParameters(spec, state, statistics), score, metadata);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"the file describes an invalid model: {e.Message}");
        }
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

    private static string Get(Dictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var value) ? value : throw new InvalidDataException($"metadata '{key}' is missing");

    private static Dictionary<string, string> MetadataOf(ModelProto m)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in m.MetadataProps)
            if (!result.TryAdd(entry.Key, entry.Value)) throw new InvalidDataException($"metadata '{Metadata.Clip(entry.Key)}' appears twice");
        if (!result.ContainsKey(Metadata.ContentHash)) throw new InvalidDataException($"metadata '{Metadata.ContentHash}' is missing: not an MlNetVae model");
        return result;
    }

    private static Dictionary<string, TensorProto> Initializers(GraphProto g)
    {
        var result = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var t in g.Initializer)
            if (!result.TryAdd(t.Name, t)) throw new InvalidDataException($"initializer '{Metadata.Clip(t.Name)}' appears twice");
        return result;
    }

    /// <summary>The finite float32 values of initializer <paramref name="name"/>, which must have exactly <paramref name="shape"/>.</summary>
    private static float[] Floats(Dictionary<string, TensorProto> initializers, string name, int[] shape)
    {
        if (!initializers.TryGetValue(name, out var t)) throw new InvalidDataException($"initializer '{name}' is missing");
        if (t.DataType != (int)TensorProto.Types.DataType.Float) throw new InvalidDataException($"initializer '{name}' has data_type {t.DataType}, " +
            $"expected 1 (float32)");
        if (t.HasDataLocation && t.DataLocation != TensorProto.Types.DataLocation.Default || t.ExternalData.Count > 0)
            throw new InvalidDataException($"initializer '{name}' refers to external data, which the loader does not follow");
        // Compare dims before using them: a hostile dim never reaches an allocation or a product.
        if (!t.Dims.SequenceEqual(shape.Select(s => (long)s)))
            throw new InvalidDataException($"initializer '{name}' has dims [{string.Join(", ", t.Dims.Take(8))}{(t.Dims.Count > 8 ? ", ..." : "")}], " +
                $"expected [{string.Join(", ", shape)}]");
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
}
