using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.ML;
using MlNetVae.Cli.Output;
using MlNetVae.ML;

namespace MlNetVae.Cli;

/// <summary>
/// The CLI's model file: exactly the zip <c>mlContext.Model.Save</c> writes for the fitted pipeline (so
/// <c>mlContext.Model.Load</c> reads it), written atomically and sealed, and signed when a key is given
/// (<see cref="ModelFileSignature"/>: the seal and signature sit in the zip's archive comment, which ML.NET and zip
/// tools ignore). Loading checks the seal (any changed byte anywhere is one clear error), and the signature when a
/// public key is given, streaming the file before anything in it is parsed; then reads the VAE back from the one entry
/// the pipeline's structure names (<see cref="ModelZip"/>), the scorer graph that carries the whole model, its
/// threshold, training history and CSV schema, to score with the managed engine.
/// </summary>
internal static class ModelFile
{
    /// <summary>Larger than any model file this version writes (its scorer graph is at most 2 GiB); checked before anything is read.</summary>
    private const long MaxBytes = 4L << 30;

    private const int EndRecord = 22;

    /// <summary>
    /// Saves <paramref name="model"/> (whose input has the feature column it reads) to <paramref name="path"/>,
    /// atomically, signed with <paramref name="signingKey"/> when given. Once <paramref name="cancellation"/> is
    /// cancelled the file is not replaced: the rename is the last step and checks it.
    /// </summary>
    public static void Save(VaeTransformer model, string path, ECDsa? signingKey = null, CancellationToken cancellation = default)
    {
        var ml = new MLContext();
        var input = new DataViewSchema.Builder();
        input.AddColumn(model.Options.FeatureColumnName, new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single,
            model.Model.Features));
        using var buffer = new MemoryStream();
        ml.Model.Save(model, input.ToSchema(), buffer);
        var bytes = buffer.ToArray();
        AtomicFile.Write(path, stream => ModelFileSignature.WriteSealed(stream, bytes, signingKey), cancellation);
    }

    /// <summary>
    /// Reads a model written by <see cref="Save"/> (or by <c>mlContext.Model.Save</c>, which has no seal: then the CRC
    /// of every entry read is checked). With <paramref name="verifyKey"/>, a model without a valid signature by that
    /// key's private half is refused before any entry is read.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a model file, corrupted, truncated, unsigned or signed by another key, or written by a newer
    /// MlNetVae; the message says which.</exception>
    public static VaeTransformer Load(string path, ECDsa? verifyKey = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: model file not found", path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (file.Length > MaxBytes) throw new InvalidDataException($"{path}: {file.Length} bytes, larger than any model this version writes " +
            $"({MaxBytes >> 20} MB); not a model file");
        try
        {
            var (end, trailer) = ModelFileSignature.Check(file, path, verifyKey);
            CheckDirectory(file, end);
            using var zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
            return VaeTransformer.FromScorer(new ModelZip(zip, checkCrc: trailer == ModelFileSignature.Trailer.None).VaeScorer());
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException || e is IOException and not FileNotFoundException)
        {
            if (e.Message.StartsWith(path, StringComparison.Ordinal)) throw;
            throw new InvalidDataException($"{path}: not a readable MlNetVae model file ({e.Message.Split('\n')[0].Trim()})", e);
        }
    }

    /// <summary>
    /// Bounds what listing the entries costs before the zip reader lists them: the end record's entry count and central
    /// directory size (a zip64 archive, which ML.NET writes only past 65,535 entries or 4 GiB, is no model).
    /// </summary>
    private static void CheckDirectory(FileStream file, long end)
    {
        var record = new byte[EndRecord];
        file.Position = end - EndRecord;
        file.ReadExactly(record);
        file.Position = 0;
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(10));
        uint directory = BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(12));
        if (entries > ModelZip.MaxEntries || directory > ModelZip.MaxDirectoryBytes)
            throw new InvalidDataException($"the zip lists {entries} entries in a {directory}-byte directory; a model has at most " +
                $"{ModelZip.MaxEntries} entries and {ModelZip.MaxDirectoryBytes >> 20} MiB of directory");
    }
}
