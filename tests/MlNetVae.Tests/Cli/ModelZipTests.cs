using System.Buffers.Binary;
using System.IO.Compression;
using MlNetVae.Cli;
using MlNetVae.Tests.Cli.Data;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli;

/// <summary>
/// A model zip is read by its structure: only the entries the pipeline names, each against the size its zip header
/// declares. An entry nothing names is never inflated; a named entry that inflates far beyond its compressed size, and
/// a directory listing more entries than a model has, are refused before the memory is allocated.
/// </summary>
public class ModelZipTests
{
    private static readonly string Model = Path.Combine(AppContext.BaseDirectory, "reference", "fixtures-ml", "model.zip");

    /// <summary>The fixture model without its seal: the zip exactly as mlContext.Model.Save writes it.</summary>
    private static string Unsealed(Files files, string name)
    {
        var bytes = File.ReadAllBytes(Model);
        int end = bytes.AsSpan().LastIndexOf("PK\u0005\u0006"u8) + 22;
        var plain = bytes[..end];
        plain[^1] = plain[^2] = 0; // the comment's length
        File.WriteAllBytes(files[name], plain);
        return files[name];
    }

    /// <summary>Writes <paramref name="count"/> zero bytes into a new entry, in 1 MiB pieces.</summary>
    private static void Zeros(ZipArchive zip, string name, long count, byte[]? prefix = null)
    {
        using var entry = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
        if (prefix is not null) entry.Write(prefix);
        var chunk = new byte[1 << 20];
        for (long left = count; left > 0; left -= chunk.Length) entry.Write(chunk, 0, (int)Math.Min(chunk.Length, left));
    }

    /// <summary>Copies <paramref name="entry"/> into <paramref name="zip"/> as it is.</summary>
    private static void Copy(ZipArchive zip, ZipArchiveEntry entry)
    {
        using var input = entry.Open();
        using var output = zip.CreateEntry(entry.FullName).Open();
        input.CopyTo(output);
    }

    [Test]
    public void AnEntryTheModelDoesNotNameIsNeverInflated()
    {
        using var files = new Files();
        string path = Unsealed(files, "big.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update)) Zeros(zip, "junk/zeros", 256L << 20);
        Assert.That(new FileInfo(path).Length, Is.LessThan(2 << 20), "256 MB of zeros deflate to a few hundred KB");
        double expected = ModelFile.Load(Model).Threshold.Value;

        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(ModelFile.Load(path).Threshold.Value, Is.EqualTo(expected));
        long used = GC.GetAllocatedBytesForCurrentThread() - allocated;
        TestContext.Out.WriteLine($"loaded beside a 256 MB entry allocating {used >> 20} MB");
        Assert.That(used, Is.LessThan(32 << 20));
    }

    [Test]
    public void TheGraphEntryInflatingFarBeyondItsCompressedSizeIsRefusedBeforeAllocating()
    {
        using var files = new Files();
        string source = Unsealed(files, "model.zip"), path = files["bomb.zip"];
        const int declared = 300_000_000;
        using (var from = ZipFile.OpenRead(source))
        using (var to = ZipFile.Open(path, ZipArchiveMode.Create))
            foreach (var entry in from.Entries)
            {
                var prefix = new byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(prefix, declared);
                if (entry.FullName.EndsWith("/OnnxModel", StringComparison.Ordinal)) Zeros(to, entry.FullName, declared, prefix);
                else Copy(to, entry);
            }
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path))!;
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - allocated, Is.LessThan(16 << 20));
        Assert.That(e.Message, Does.StartWith($"{path}: not a readable MlNetVae model file (entry '...").And.Contain("/OnnxModel' (").And.Contain(" declares 300,000,004 bytes from ")
            .And.EndWith("compressed; a model's graph is 4 bytes to 2 GiB and compresses less than 100:1)"));
    }

    [Test]
    public void AZipListingMoreEntriesThanAModelHasIsRefusedBeforeTheyAreListed()
    {
        using var files = new Files();
        string path = Unsealed(files, "many.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
            for (int i = 0; i < ModelZip.MaxEntries; i++) zip.CreateEntry($"junk/{i}");
        Assert.That(Assert.Throws<InvalidDataException>(() => ModelFile.Load(path))!.Message, Does.Match(@"\(the zip lists 10\d\d\d entries in a \d+-byte directory; a model has at most 10000 entries and 8 MiB of directory\)$"));
    }

    [Test]
    public void AnEntryTheStructureNamesButTheZipLacksIsNamed()
    {
        using var files = new Files();
        string source = Unsealed(files, "model.zip"), path = files["cut.zip"];
        using (var from = ZipFile.OpenRead(source))
        using (var to = ZipFile.Open(path, ZipArchiveMode.Create))
            foreach (var entry in from.Entries.Where(e => !e.FullName.EndsWith("/OnnxModel", StringComparison.Ordinal))) Copy(to, entry);
        Assert.That(Assert.Throws<InvalidDataException>(() => ModelFile.Load(path))!.Message, Does.Match(@"entry '\.\.\..*/OnnxModel' \(\d+ characters\) is missing: not a complete ML.NET model"));
    }
}
