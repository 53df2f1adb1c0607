using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using MlNetVae.ML;
using MlNetVae.Onnx;

namespace MlNetVae.Cli;

/// <summary>
/// Reads the VAE out of the zip <c>mlContext.Model.Save</c> writes, following the structure ML.NET saved instead of
/// inflating every entry: from <c>TransformerChain/Model.key</c>, each chain's <c>Model.key</c> names its transforms
/// (<c>Transform_000/</c>, ...); the VAE step is the ONNX transformer whose one input is the VAE's own feature column
/// (<c>vae_features</c>), and its <c>OnnxModel</c> entry holds the scorer graph, which carries the whole model. Only
/// those entries are read, each against the size its zip header declares, never past it; entries nothing names (a
/// gigabyte of zeros added to the zip) are never opened. Layout of a Model.key (ML.NET's ModelHeader): a 256-byte
/// header (signature, model block offset and size, string table and characters, loader signature at 0x50), the model
/// block, the UTF-16 strings it refers to by index, a tail.
/// </summary>
internal sealed class ModelZip
{
    /// <summary>Entries a model zip may list: ML.NET writes one per transform and a few more.</summary>
    public const int MaxEntries = 10_000;

    /// <summary>The central directory's size: bounds what listing the entries costs.</summary>
    public const long MaxDirectoryBytes = 8 << 20;

    /// <summary>A chain's or the ONNX step's Model.key: a header, a few indices and column names.</summary>
    private const int MaxKeyBytes = 1 << 20;

    /// <summary>
    /// How far an entry read in full may inflate: at most 100 times its compressed size plus 1 MiB. Float weights hardly
    /// compress (a real scorer inflates 1.5 times); a zip bomb inflates a thousand times.
    /// </summary>
    private const int MaxInflation = 100;

    private const int HeaderBytes = 0x100;
    private const ulong HeaderSignature = 0x4C45444F4D004C4DUL; // "ML\0MODEL"
    private const string Root = "TransformerChain/", ChainLoader = "TransformerChain", OnnxLoader = "OnnxTransform";
    private static readonly string VaeInput = SavedForm.Prefix + OnnxNames.Features;

    private readonly Dictionary<string, ZipArchiveEntry> _entries;
    private readonly bool _checkCrc;

    /// <param name="zip">The archive (its central directory already checked against <see cref="MaxEntries"/>).</param>
    /// <param name="checkCrc">Check the CRC-32 of each entry read in full: for a zip without a seal, whose CRCs are all its integrity.</param>
    public ModelZip(ZipArchive zip, bool checkCrc)
    {
        _entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries) _entries.TryAdd(entry.FullName, entry);
        _checkCrc = checkCrc;
    }

    /// <summary>The scorer graph (scorer.onnx) of the pipeline's one VAE step.</summary>
    /// <exception cref="InvalidDataException">No VAE step, more than one, or an entry that is not what its header declares.</exception>
    public byte[] VaeScorer()
    {
        var found = new List<string>();
        var folders = new Stack<string>([Root]);
        int visited = 0;
        // A stack, not recursion: a pipeline of n appended steps nests n chains deep.
        while (folders.TryPop(out var folder))
        {
            if (++visited > MaxEntries) throw new InvalidDataException($"more than {MaxEntries} transforms in the pipeline");
            var key = Entry(folder + "Model.key");
            using var stream = key.Open();
            var header = new byte[HeaderBytes];
            if (stream.ReadAtLeast(header, HeaderBytes,
                throwOnEndOfStream: false) < HeaderBytes || BinaryPrimitives.ReadUInt64LittleEndian(header) != HeaderSignature)
                throw new InvalidDataException($"entry {Excerpt.QuotedTail(key.FullName)} is not an ML.NET model header");
            string loader = Encoding.ASCII.GetString(header, 0x50, 24).TrimEnd('\0');
            if (loader is not (ChainLoader or OnnxLoader)) continue; // another kind of step: its header is all the VAE needs of it
            var (body, strings) = ReadKey(key, stream, header);
            if (loader == ChainLoader)
            {
                int count = Int(body, 0, key);
                if (count < 0 || 4 + 4L * count > body.Length) throw new InvalidDataException($"entry {Excerpt.QuotedTail(key.FullName)} lists {count} " +
                    $"transforms in a {body.Length}-byte block");
                for (int i = count - 1; i >= 0; i--) folders.Push(string.Create(CultureInfo.InvariantCulture, $"{folder}Transform_{i:000}/"));
            }
            else if (Int(body, 0, key) == 1 && String(strings, Int(body, 4, key), key) == VaeInput)
                found.Add(folder);
        }
        if (found.Count == 0) throw new InvalidDataException("no MlNetVae model inside (an ML.NET model zip without a VAE step, or another kind of file)");
        if (found.Count > 1) throw new InvalidDataException("the pipeline holds more than one MlNetVae model; the CLI reads files with one");
        return Scorer(Entry(found[0] + "OnnxModel"));
    }

    /// <summary>The scorer graph from an OnnxTransformer's OnnxModel entry: an int32 length and that many bytes.</summary>
    private byte[] Scorer(ZipArchiveEntry entry)
    {
        long declared = entry.Length;
        if (declared < 4 || declared - 4 > Array.MaxLength || declared > (long)MaxInflation * entry.CompressedLength + (1 << 20))
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"entry {Excerpt.QuotedTail(entry.FullName)} declares {declared:N0} bytes from {entry.CompressedLength:N0} compressed; a model's graph " +
                    $"is 4 bytes to 2 GiB and compresses less than {MaxInflation}:1"));
        using var stream = entry.Open();
        Span<byte> prefix = stackalloc byte[4];
        stream.ReadExactly(prefix);
        int length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (length != declared - 4) throw new InvalidDataException($"entry {Excerpt.QuotedTail(entry.FullName)} holds {declared - 4} bytes, its header " +
            $"says {length}");
        var graph = new byte[length];
        stream.ReadExactly(graph);
        CheckEnd(entry, stream, prefix.ToArray(), graph);
        return graph;
    }

    /// <summary>The rest of a Model.key after its header: the model block and its strings, the size checked first.</summary>
    private (byte[] Body, string[] Strings) ReadKey(ZipArchiveEntry entry, Stream stream, byte[] header)
    {
        if (entry.Length < HeaderBytes || entry.Length > MaxKeyBytes)
            throw new InvalidDataException($"entry {Excerpt.QuotedTail(entry.FullName)} declares {entry.Length} bytes; a chain's or ONNX step's " +
                $"Model.key holds {HeaderBytes} to {MaxKeyBytes}");
        var all = new byte[entry.Length];
        header.CopyTo(all, 0);
        stream.ReadExactly(all.AsSpan(HeaderBytes));
        CheckEnd(entry, stream, all);
        long Field(int at) => BinaryPrimitives.ReadInt64LittleEndian(all.AsSpan(at));
        long model = Field(0x10), modelBytes = Field(0x18), table = Field(0x20), tableBytes = Field(0x28), chars = Field(0x30), charBytes = Field(0x38);
        bool Inside(long at, long bytes) => at >= 0 && bytes >= 0 && at <= all.Length && bytes <= all.Length - at;
        if (model != HeaderBytes || !Inside(model, modelBytes) || !Inside(table, tableBytes) || !Inside(chars,
            charBytes) || tableBytes % 8 != 0 || charBytes % 2 != 0)
            throw new InvalidDataException($"entry {Excerpt.QuotedTail(entry.FullName)} has a damaged ML.NET model header");
        var strings = new string[tableBytes / 8];
        long start = 0;
        for (int i = 0; i < strings.Length; i++)
        {
            long lim = BinaryPrimitives.ReadInt64LittleEndian(all.AsSpan((int)(table + 8 * i)));
            if (lim < start || lim > charBytes || lim % 2 != 0) throw new InvalidDataException($"entry {Excerpt.QuotedTail(entry.FullName)} has a " +
                $"damaged string table");
            strings[i] = Encoding.Unicode.GetString(all, (int)(chars + start), (int)(lim - start));
            start = lim;
        }
        return (all[(int)model..(int)(model + modelBytes)], strings);
    }

    /// <summary>The entry's stream must end where its header says; for an unsealed zip its CRC-32 must match.</summary>
    private void CheckEnd(ZipArchiveEntry entry, Stream stream, params byte[][] parts)
    {
        if (stream.Read(stackalloc byte[1]) != 0) throw new InvalidDataException($"entry {Excerpt.QuotedTail(entry.FullName)} holds more bytes than " +
            $"its header says ({entry.Length})");
        if (!_checkCrc) return;
        var crc = new Crc32();
        foreach (var part in parts) crc.Append(part);
        if (crc.GetCurrentHashAsUInt32() != entry.Crc32) throw new InvalidDataException($"entry {Excerpt.QuotedTail(entry.FullName)} is corrupted (its " +
            $"CRC-32 does not match)");
    }

    private ZipArchiveEntry Entry(string name) =>
        _entries.TryGetValue(name, out var entry) ? entry : throw new InvalidDataException($"entry {Excerpt.QuotedTail(name)} is missing: not a " +
            $"complete ML.NET model");

    private static int Int(byte[] body, int at, ZipArchiveEntry key) =>
        at + 4 <= body.Length ? BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(at)) : throw new InvalidDataException($"entry " +
            $"{Excerpt.QuotedTail(key.FullName)} ends inside its model block");

    private static string String(string[] strings, int id, ZipArchiveEntry key) =>
        id >= 0 && id < strings.Length ? strings[id] : throw new InvalidDataException($"entry {Excerpt.QuotedTail(key.FullName)} refers to string {id} " +
            $"of {strings.Length}");
}
