using System.IO.Compression;
using System.Text.Json.Nodes;
using MlNetVae.Pipeline;
using MlNetVae.Tests.Vae;
using MlNetVae.Vae;
using NUnit.Framework;

namespace MlNetVae.Tests.Pipeline;

public class ModelFileTests
{
    private static VaeTransformer Fit() =>
        new VaeEstimator(new VaeOptions { EncoderHidden = [6], LatentSize = 2, Epochs = 1 }).Fit(VaeData.FromArrays(TestData.GaussianRows(60, 4, 2)));

    [Test]
    public void TheFileIsAZipWithAManifestAndTheThreeOnnxGraphs()
    {
        using var files = new Files();
        Fit().Save(files["m.vae"]);
        using var zip = ZipFile.OpenRead(files["m.vae"]);
        Assert.That(zip.Entries.Select(e => e.FullName), Is.EquivalentTo(new[] { "manifest.json", "encoder.onnx", "decoder.onnx", "scorer.onnx" }));
        var manifest = JsonNode.Parse(zip.GetEntry("manifest.json")!.Open())!;
        Assert.That((string?)manifest["format"], Is.EqualTo("mlnetvae-model"));
        Assert.That((int?)manifest["format_version"], Is.EqualTo(1));
        Assert.That((string?)manifest["score"]!["default"], Is.EqualTo("corrected_neg_elbo"));
        Assert.That((string?)manifest["score"]!["scorer_output"], Is.EqualTo("score"));
        Assert.That(Directory.GetFiles(files.Root), Has.Length.EqualTo(1), "no temporary file left");
    }

    [Test]
    public void ForeignCorruptedTruncatedAndNewerFilesGiveClearErrors()
    {
        using var files = new Files();
        string good = files["good.vae"];
        Fit().Save(good);
        var bytes = File.ReadAllBytes(good);

        Expect(files.Write("text.vae", "hello"), "not a readable MlNetVae model file");
        File.WriteAllBytes(files["truncated.vae"], bytes[..(bytes.Length / 2)]);
        Expect(files["truncated.vae"], "not a readable MlNetVae model file");

        using (var zip = ZipFile.Open(files["foreign.vae"], ZipArchiveMode.Create))
            using (var w = new StreamWriter(zip.CreateEntry("readme.txt").Open())) w.Write("other");
        Expect(files["foreign.vae"], "no manifest.json inside");

        Expect(Rewrite(good, files["newer.vae"], "manifest.json", m => m.Replace("\"format_version\": 1", "\"format_version\": 99")), "written in model format 99 by a newer MlNetVae");
        Expect(Rewrite(good, files["older-score.vae"], "manifest.json", m => m.Replace("\"default\": \"corrected_neg_elbo\"", "\"default\": \"neg_elbo\"")),
            "the model's default score is 'neg_elbo', this version computes 'corrected_neg_elbo'");
        Expect(Rewrite(good, files["other-format.vae"], "manifest.json", m => m.Replace("mlnetvae-model", "something-else")), "format 'something-else'");
        Expect(Rewrite(good, files["features.vae"], "manifest.json", m => m.Replace("\"features\": 4", "\"features\": 5")), "inconsistent model file (features: manifest 5");
        Expect(RewriteBytes(good, files["flipped.vae"], "scorer.onnx", b => b[b.Length / 2] ^= 0x40), "scorer.onnx is corrupted");
    }

    [Test]
    public void AFailedSaveLeavesTheOldFileAndNoTemporaryFile()
    {
        using var files = new Files();
        string path = files.Write("m.vae", "previous contents");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s => { s.WriteByte(1); throw new InvalidOperationException("crash"); }));
        Assert.That(File.ReadAllText(path), Is.EqualTo("previous contents"));
        Assert.That(Directory.GetFiles(files.Root), Has.Length.EqualTo(1));
        Assert.Throws<DirectoryNotFoundException>(() => Fit().Save(files["missing/m.vae"]));
    }

    private static void Expect(string path, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => VaeTransformer.Load(path))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain(message));
    }

    private static string Rewrite(string source, string target, string entry, Func<string, string> change) =>
        RewriteBytes(source, target, entry, bytes =>
        {
            var text = change(System.Text.Encoding.UTF8.GetString(bytes));
            Assert.That(text, Is.Not.EqualTo(System.Text.Encoding.UTF8.GetString(bytes)), "the test's edit must change the manifest");
            return System.Text.Encoding.UTF8.GetBytes(text);
        });

    private static string RewriteBytes(string source, string target, string entry, Action<byte[]> change) =>
        RewriteBytes(source, target, entry, b => { change(b); return b; });

    private static string RewriteBytes(string source, string target, string entry, Func<byte[], byte[]> change)
    {
        File.Copy(source, target);
        using var zip = ZipFile.Open(target, ZipArchiveMode.Update);
        var old = zip.GetEntry(entry)!;
        byte[] bytes;
        using (var s = old.Open()) { using var m = new MemoryStream(); s.CopyTo(m); bytes = m.ToArray(); }
        old.Delete();
        using (var s = zip.CreateEntry(entry).Open()) s.Write(change(bytes));
        return target;
    }
}
