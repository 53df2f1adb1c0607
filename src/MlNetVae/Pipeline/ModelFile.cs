using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using MlNetVae.Onnx;
using MlNetVae.Vae;

namespace MlNetVae.Pipeline;

/// <summary>
/// The <c>.vae</c> model file: one zip holding <c>manifest.json</c> (format version, options, preprocessing, feature
/// names, CSV schema, threshold, training metrics, default score) and encoder.onnx, decoder.onnx and scorer.onnx,
/// which carry the weights. Saving is atomic; loading checks the format, every file's hash and every dimension.
/// </summary>
public static class ModelFile
{
    private const string ManifestEntry = "manifest.json";
    private static readonly string[] OnnxEntries = [OnnxNames.EncoderFile, OnnxNames.DecoderFile, OnnxNames.ScorerFile];

    /// <summary>Writes <paramref name="transformer"/> to <paramref name="path"/> (temporary file, then rename).</summary>
    public static void Save(VaeTransformer transformer, string path)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        var model = transformer.Model;
        var onnx = new Dictionary<string, byte[]>
        {
            [OnnxNames.EncoderFile] = OnnxExport.Encoder(model),
            [OnnxNames.DecoderFile] = OnnxExport.Decoder(model),
            [OnnxNames.ScorerFile] = OnnxExport.Scorer(model),
        };
        var manifest = new ModelManifest(
            ModelManifest.FormatName, ModelManifest.CurrentVersion, typeof(ModelFile).Assembly.GetName().Version?.ToString() ?? "0",
            model.Features, model.LatentSize, transformer.FeatureNames.ToArray(), ManifestOptions.From(model.Options),
            ManifestPreprocessing.From(model.Preprocessor), transformer.Schema is { } s ? new ManifestSchema(s.Columns.ToArray()) : null,
            transformer.Threshold, transformer.Training is { } t ? ManifestTraining.From(t) : null,
            new ManifestScore(DefaultScore.Name, OnnxNames.Score),
            onnx.ToDictionary(e => e.Key, e => Convert.ToHexStringLower(SHA256.HashData(e.Value))));
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using (var entry = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
                JsonSerializer.Serialize(entry, manifest, ModelManifest.Json);
            foreach (var (name, bytes) in onnx)
            {
                using var entry = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
                entry.Write(bytes);
            }
        });
    }

    /// <summary>Reads a model written by <see cref="Save"/>.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">A foreign, corrupted, truncated or newer-format file (the message says which).</exception>
    public static VaeTransformer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: model file not found", path);
        try
        {
            using var zip = new ZipArchive(File.OpenRead(path), ZipArchiveMode.Read);
            var manifest = ReadManifest(zip, path);
            var files = OnnxEntries.ToDictionary(name => name, name => ReadEntry(zip, name, path, manifest));
            return Rebuild(manifest, files, path);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or EndOfStreamException or ArgumentException or NotSupportedException)
        {
            if (e is InvalidDataException && e.Message.StartsWith(path, StringComparison.Ordinal)) throw;
            throw new InvalidDataException($"{path}: not a readable MlNetVae model file ({FirstLine(e.Message)})", e);
        }
    }

    private static ModelManifest ReadManifest(ZipArchive zip, string path)
    {
        var entry = zip.GetEntry(ManifestEntry) ?? throw new InvalidDataException($"{path}: not an MlNetVae model file (no {ManifestEntry} inside)");
        using var stream = entry.Open();
        var manifest = JsonSerializer.Deserialize<ModelManifest>(stream, ModelManifest.Json)
            ?? throw new InvalidDataException($"{path}: {ManifestEntry} is empty");
        if (manifest.Format != ModelManifest.FormatName)
            throw new InvalidDataException($"{path}: not an MlNetVae model file (format '{manifest.Format}', expected '{ModelManifest.FormatName}')");
        if (manifest.FormatVersion > ModelManifest.CurrentVersion)
            throw new InvalidDataException($"{path}: written in model format {manifest.FormatVersion} by a newer MlNetVae; this version reads formats up to {ModelManifest.CurrentVersion}");
        if (manifest.FormatVersion < 1) throw new InvalidDataException($"{path}: invalid model format version {manifest.FormatVersion}");
        if (manifest.Score?.Default != DefaultScore.Name)
            throw new InvalidDataException($"{path}: the model's default score is '{manifest.Score?.Default}', this version computes '{DefaultScore.Name}'");
        return manifest;
    }

    private static byte[] ReadEntry(ZipArchive zip, string name, string path, ModelManifest manifest)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidDataException($"{path}: {name} is missing from the model file");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        if (manifest.Files is null || !manifest.Files.TryGetValue(name, out var expected) || expected != Convert.ToHexStringLower(SHA256.HashData(bytes)))
            throw new InvalidDataException($"{path}: {name} is corrupted (its SHA-256 does not match the manifest)");
        return bytes;
    }

    /// <summary>
    /// The weights come from scorer.onnx through the ONNX loader; the model is then rebuilt with the manifest's full
    /// options (the graphs carry only the architecture) and checked against every dimension the manifest states.
    /// </summary>
    private static VaeTransformer Rebuild(ModelManifest m, Dictionary<string, byte[]> files, string path)
    {
        var fromOnnx = OnnxImport.Load(files[OnnxNames.ScorerFile]);
        var options = m.Options.ToOptions();
        options.Validate();
        var p = m.Preprocessing;
        var preprocessor = new Preprocessor(p.Kinds, p.Mean, p.Scale, options.CategoricalGroups);
        Require(m.Features == preprocessor.Features && m.Features == fromOnnx.Features, path, $"features: manifest {m.Features}, preprocessing {preprocessor.Features}, ONNX {fromOnnx.Features}");
        Require(m.LatentSize == options.LatentSize && m.LatentSize == fromOnnx.LatentSize, path, $"latent size: manifest {m.LatentSize}, options {options.LatentSize}, ONNX {fromOnnx.LatentSize}");
        Require(m.FeatureNames?.Length == m.Features, path, $"{m.FeatureNames?.Length} feature names for {m.Features} features");
        Require(p.Kinds.SequenceEqual(fromOnnx.Preprocessor.Kinds) && p.Mean.SequenceEqual(fromOnnx.Preprocessor.Mean) && p.Scale.SequenceEqual(fromOnnx.Preprocessor.Scale),
            path, "the preprocessing in the manifest and in scorer.onnx differ");
        var model = new VaeModel(options, preprocessor);
        Require(model.Parameters.Parameters.Select(q => (q.Name, q.Value.Length)).SequenceEqual(fromOnnx.Parameters.Parameters.Select(q => (q.Name, q.Value.Length))),
            path, "the layers in the manifest and in scorer.onnx differ");
        fromOnnx.Parameters.Values.CopyTo(model.Parameters.Values);
        var schema = m.CsvSchema is null ? null : new CsvSchema(m.CsvSchema.Columns);
        return new VaeTransformer(model, m.FeatureNames!, schema, m.Threshold, m.Training?.ToResult());
    }

    private static void Require(bool ok, string path, string mismatch)
    {
        if (!ok) throw new InvalidDataException($"{path}: inconsistent model file ({mismatch})");
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
