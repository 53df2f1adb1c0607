using System.Diagnostics;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Cli;
using MlNetVae.Cli.Data;
using MlNetVae.Tests.Cli.Data;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli;

/// <summary>
/// Every damage to a model file is refused with InvalidDataException: any flipped bit anywhere and any truncation of
/// a sealed file; a corrupted entry of an unsealed zip (as plain mlContext.Model.Save writes it) by its CRC-32.
/// </summary>
public class ModelFileIntegrityTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "reference", "fixtures-ml");
    private static readonly string Model = Path.Combine(Folder, "model.zip");

    private static float[] Scores(string model)
    {
        var t = ModelFile.Load(model);
        var data = Dataset.Open(Path.Combine(Folder, "data.csv"), null, null, null, MlNetVae.Cli.ModelMetadata.Of(t).Csv);
        return t.Transform(data.View).GetColumn<float>(t.Options.ScoreColumnName).ToArray();
    }

    [Test]
    public void FlippingOneBitOfAnyByteIsRefused()
    {
        var bytes = File.ReadAllBytes(Model);
        using var files = Files.InMemory();
        string path = files["flipped.zip"];
        var messages = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        int rejected = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] ^= (byte)(1 << (i % 8));
            File.WriteAllBytes(path, bytes);
            bytes[i] ^= (byte)(1 << (i % 8));
            try
            {
                ModelFile.Load(path);
            }
            catch (InvalidDataException e)
            {
                rejected++;
                Assert.That(e.Message, Does.StartWith(path + ": "), $"byte {i}");
                string kind = e.Message[(path.Length + 2)..].Split(" (")[0];
                messages[kind] = messages.GetValueOrDefault(kind) + 1;
            }
        }
        TestContext.Out.WriteLine($"{rejected} of {bytes.Length} one-bit flips rejected in {clock.Elapsed.TotalSeconds:F1} s: {string.Join("; ", messages.Select(m => $"{m.Value} x '{m.Key}'"))}");
        Assert.That(rejected, Is.EqualTo(bytes.Length), "every flip, 100%");
        File.WriteAllBytes(path, bytes);
        Assert.That(Scores(path), Is.EqualTo(Scores(Model)), "the unflipped copy loads");
    }

    [Test]
    public void EveryTruncationAndAnyAppendedByteIsRefused()
    {
        var bytes = File.ReadAllBytes(Model);
        using var files = Files.InMemory();
        string path = files["cut.zip"];
        for (int length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(path, bytes[..length]);
            Assert.Throws<InvalidDataException>(() => ModelFile.Load(path), $"cut to {length} bytes");
        }
        foreach (var tail in new byte[][] { [0], [0x50, 0x4b, 5, 6], "mlnetvae"u8.ToArray() })
        {
            File.WriteAllBytes(path, [.. bytes, .. tail]);
            Assert.Throws<InvalidDataException>(() => ModelFile.Load(path), $"{tail.Length} bytes appended");
        }
    }

    [Test]
    public void APlainMlNetZipLoadsAndACorruptedEntryIsCaughtByItsCrc()
    {
        using var files = new Files();
        var transformer = ModelFile.Load(Model);
        var schema = new DataViewSchema.Builder();
        schema.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, transformer.Model.Features));
        new MLContext().Model.Save(transformer, schema.ToSchema(), files["plain.zip"]);
        Assert.That(Scores(files["plain.zip"]), Is.EqualTo(Scores(Model)), "no seal: the CRC-checked zip loads");

        // The same entries stored uncompressed, so a changed byte leaves a readable entry whose only witness is its CRC.
        using (var source = ZipFile.OpenRead(files["plain.zip"]))
        using (var stored = ZipFile.Open(files["stored.zip"], ZipArchiveMode.Create))
            foreach (var entry in source.Entries)
            {
                using var from = entry.Open();
                using var to = stored.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                from.CopyTo(to);
            }
        Assert.That(Scores(files["stored.zip"]), Is.EqualTo(Scores(Model)));
        byte[] onnx;
        string name;
        using (var zip = ZipFile.OpenRead(files["stored.zip"]))
        {
            var entry = zip.Entries.Single(e => e.FullName.EndsWith("/OnnxModel"));
            name = entry.FullName;
            using var s = entry.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            onnx = m.ToArray();
        }
        var bytes = File.ReadAllBytes(files["stored.zip"]);
        int at = bytes.AsSpan().IndexOf(onnx.AsSpan(onnx.Length / 2, 64)) + 10;
        Assert.That(at, Is.GreaterThan(10), "the entry's bytes are in the file as they are");
        bytes[at] ^= 0x04;
        File.WriteAllBytes(files["stored.zip"], bytes);
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(files["stored.zip"]))!;
        Assert.That(e.Message, Does.StartWith($"{files["stored.zip"]}: not a readable MlNetVae model file (").And.Contain("CRC"));
        TestContext.Out.WriteLine(e.Message);
        Assert.That(name, Does.EndWith("/OnnxModel"));

        // In the deflated original, a changed byte in the middle of the graph entry's compressed data is refused too.
        bytes = File.ReadAllBytes(files["plain.zip"]);
        int nameAt = bytes.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(name)); // the local header's name comes first
        int nameLength = BitConverter.ToUInt16(bytes, nameAt - 4), extraLength = BitConverter.ToUInt16(bytes, nameAt - 2);
        int compressed = BitConverter.ToInt32(bytes, nameAt - 12);
        bytes[nameAt + nameLength + extraLength + compressed / 2] ^= 0x10;
        File.WriteAllBytes(files["plain.zip"], bytes);
        Assert.Throws<InvalidDataException>(() => ModelFile.Load(files["plain.zip"]));
    }
}
