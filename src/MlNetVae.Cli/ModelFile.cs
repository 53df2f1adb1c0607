using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML;
using MlNetVae.Cli.Output;
using MlNetVae.ML;

namespace MlNetVae.Cli;

/// <summary>
/// The CLI's model file: exactly the zip <c>mlContext.Model.Save</c> writes for the fitted pipeline (so
/// <c>mlContext.Model.Load</c> reads it), written atomically and sealed with a SHA-256 of every byte before it, kept in
/// the zip's archive comment (<c>mlnetvae-sha256:</c> and 64 hex digits), which ML.NET and zip tools ignore. Loading
/// checks the seal (any changed byte anywhere is one clear error), then reads the VAE back from the scorer graph inside
/// (which carries the whole model, its threshold, training history and CSV schema) to score with the managed engine.
/// </summary>
internal static class ModelFile
{
    private const string SealPrefix = "mlnetvae-sha256:";
    private const int SealLength = 16 + 64;
    private const int EndRecord = 22; // the zip's end-of-central-directory record without its comment

    /// <summary>Saves <paramref name="model"/> (whose input has the feature column it reads) to <paramref name="path"/>, atomically.</summary>
    public static void Save(VaeTransformer model, string path)
    {
        var ml = new MLContext();
        var input = new DataViewSchema.Builder();
        input.AddColumn(model.Options.FeatureColumnName, new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single, model.Model.Features));
        using var buffer = new MemoryStream();
        ml.Model.Save(model, input.ToSchema(), buffer);
        var bytes = buffer.ToArray();
        // ML.NET writes no archive comment: the end record is the file's last 22 bytes, with comment length 0.
        if (bytes.Length < EndRecord || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - EndRecord)) != 0x06054b50
            || BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(bytes.Length - 2)) != 0)
            throw new InvalidOperationException("ML.NET wrote a zip whose end record is not where it is expected");
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(bytes.Length - 2), SealLength);
        var seal = Encoding.ASCII.GetBytes(SealPrefix + Convert.ToHexStringLower(SHA256.HashData(bytes)));
        AtomicFile.Write(path, stream =>
        {
            stream.Write(bytes);
            stream.Write(seal);
        });
    }

    /// <summary>Reads a model written by <see cref="Save"/> (or by <c>mlContext.Model.Save</c>, which has no seal: then every zip entry's CRC is checked).</summary>
    /// <exception cref="InvalidDataException">Not a model file, corrupted, truncated, or written by a newer MlNetVae; the message says which.</exception>
    public static VaeTransformer Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: model file not found", path);
        var info = new FileInfo(path);
        if (info.Length > MaxBytes) throw new InvalidDataException($"{path}: {info.Length} bytes, larger than any model this version writes ({MaxBytes >> 20} MB); not a model file");
        var bytes = File.ReadAllBytes(path);
        try
        {
            bool sealed_ = CheckSeal(bytes, path);
            using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
            byte[]? scorer = null;
            foreach (var entry in zip.Entries)
            {
                if (entry.Length > MaxBytes) throw new InvalidDataException($"entry {entry.FullName} claims {entry.Length} bytes, more than a model holds");
                var content = Read(entry, path);
                if (!sealed_ && Crc32(content) != entry.Crc32) throw new InvalidDataException($"entry {entry.FullName} is corrupted (its CRC-32 does not match)");
                if (!entry.FullName.EndsWith("/OnnxModel", StringComparison.Ordinal) || content.Length < 4) continue;
                // OnnxTransformer stores the graph as an int32 length and the bytes.
                int length = BinaryPrimitives.ReadInt32LittleEndian(content);
                if (length != content.Length - 4) throw new InvalidDataException($"entry {entry.FullName} holds {content.Length - 4} bytes, its header says {length}");
                var onnx = content[4..];
                if (onnx.AsSpan().IndexOf("MlNetVae"u8) < 0) continue; // another ONNX model of the pipeline
                if (scorer is not null) throw new InvalidDataException("the pipeline holds more than one MlNetVae model; the CLI reads files with one");
                scorer = onnx;
            }
            if (scorer is null) throw new InvalidDataException("no MlNetVae model inside (an ML.NET model zip without a VAE step, or another kind of file)");
            return VaeTransformer.FromScorer(scorer);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException || e is IOException and not FileNotFoundException)
        {
            if (e.Message.StartsWith(path, StringComparison.Ordinal)) throw;
            throw new InvalidDataException($"{path}: not a readable MlNetVae model file ({e.Message.Split('\n')[0].Trim()})", e);
        }
    }

    /// <summary>Larger than the largest model the options allow to train; a bound before anything is read.</summary>
    private const long MaxBytes = 4L << 30;

    /// <summary>True when the file carries a valid seal; throws when it carries a broken one or bytes after the zip's end.</summary>
    private static bool CheckSeal(byte[] bytes, string path)
    {
        int end = bytes.Length - EndRecord - SealLength;
        if (end >= 0 && BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(end)) == 0x06054b50
            && bytes.AsSpan(end + EndRecord, SealPrefix.Length).SequenceEqual(Encoding.ASCII.GetBytes(SealPrefix)))
        {
            var stated = Encoding.ASCII.GetString(bytes, end + EndRecord + SealPrefix.Length, 64);
            var actual = Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(0, end + EndRecord)));
            if (stated != actual) throw new InvalidDataException($"{path}: the file was changed or corrupted after it was written (its SHA-256 seal does not match)");
            return true;
        }
        // No seal: a zip as ML.NET writes it ends with a comment-free end record; anything else is damage.
        if (bytes.Length < EndRecord || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - EndRecord)) != 0x06054b50)
            throw new InvalidDataException($"{path}: not a model file, or truncated (no zip end record where it belongs)");
        if (bytes.Length > 0 && (bytes[^1] != 0 || bytes[^2] != 0)) throw new InvalidDataException($"{path}: the zip's comment length is damaged");
        return false;
    }

    private static byte[] Read(ZipArchiveEntry entry, string path)
    {
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        if (copy.Length != entry.Length) throw new InvalidDataException($"entry {entry.FullName} holds {copy.Length} bytes, its header says {entry.Length}");
        return copy.ToArray();
    }

    private static uint Crc32(byte[] data) => System.IO.Hashing.Crc32.HashToUInt32(data);
}
