using System.Text.Json;
using System.Text.RegularExpressions;
using MlNetVae.Tests.Cli.Data;
using NUnit.Framework;
using SkiaSharp;

namespace MlNetVae.Tests.Cli;

/// <summary><c>report</c> on the demo's data and on an IDX model: every picture is written, decodes, shows something, and index.html shows it with a caption.</summary>
public class ReportTests
{
    private static readonly string[] Common = ["training.png", "kl.png", "latent.png", "scores.png", "elbo-gap.png"];

    /// <summary>
    /// What a table gets besides: its per-feature reconstruction errors and the score split of its highest-scoring rows (not
    /// image grids, whatever its feature count).
    /// </summary>
    private static readonly string[] Tabular = [.. Common, "features.png", "contributions.png"];

    /// <summary>What images get besides: grids of reconstructions, samples and a traversal, and anomaly maps.</summary>
    private static readonly string[] Images = [.. Common, "reconstructions.png", "samples.png", "traversal.png", "anomaly-maps.png"];

    /// <summary>Checks the folder's pictures and index; returns the picture names.</summary>
    private static string[] CheckFolder(string folder)
    {
        var pictures = Directory.GetFiles(folder).Select(Path.GetFileName).Where(n => n != "index.html").Order().ToArray();
        Assert.That(Directory.GetDirectories(folder), Is.Empty);
        string html = File.ReadAllText(Path.Combine(folder, "index.html"));
        var figures = Regex.Matches(html, "<figure><img src=\"([^\"]+)\"[^>]*><figcaption>([^<]+)</figcaption></figure>");
        Assert.That(figures.Select(m => m.Groups[1].Value).Order(), Is.EqualTo(pictures), "index.html shows every picture, once");
        foreach (Match m in figures) Assert.That(m.Groups[2].Value, Has.Length.GreaterThan(60), $"{m.Groups[1].Value}: caption");
        foreach (var name in pictures)
        {
            using var png = SKBitmap.Decode(Path.Combine(folder, name!));
            Assert.That(png, Is.Not.Null, $"{name} decodes");
            Assert.That(png.Width * png.Height, Is.GreaterThan(100 * 100), name);
            var pixels = png.Pixels;
            double ink = pixels.Count(p => p != SKColors.White) / (double)pixels.Length;
            Assert.That(pixels.Distinct().Count(), Is.GreaterThan(8), $"{name}: distinct colours");
            Assert.That(ink, Is.InRange(0.02, 0.98), $"{name}: share of non-white pixels");
        }
        return pictures!;
    }

    [Test]
    public void TheDemosOwnReportShowsEveryPicture()
    {
        var pictures = CheckFolder(Path.Combine(CliFixture.Demo(), "report"));
        Assert.That(pictures, Is.EquivalentTo(Tabular.Append("roc.png")), "0/1 labels: a ROC curve too");
    }

    [Test]
    public void ReportOnTheDemoDataWritesEveryPictureAndAnIndex()
    {
        string demo = CliFixture.Demo();
        using var files = new Files();
        var (code, stdout, stderr) = CliRunner.Run("report", "--model", Path.Combine(demo, "model.zip"), "--data", Path.Combine(demo, "test.csv"), "--label-column", "anomaly", "--out", files["r"], "--json");
        Assert.That(code, Is.EqualTo(0), stderr);
        var listed = JsonDocument.Parse(stdout).RootElement.GetProperty("files").EnumerateArray().Select(e => e.GetString()).ToArray();
        var pictures = CheckFolder(files["r"]);
        Assert.That(listed, Is.EquivalentTo(pictures.Append("index.html")));
        Assert.That(pictures, Is.EquivalentTo(Tabular.Append("roc.png")));
        Assert.That(Directory.GetFileSystemEntries(files.Root), Is.EqualTo(new[] { files["r"] }), "no temporary folder left");
    }

    [Test]
    public void ATableOfASquareNumberOfFeaturesIsATableUnlessTheModelWasTrainedOnImages()
    {
        using var files = new Files();
        // 64 sensor readings in 0-255: a perfect square, and still a table until an image shape says otherwise.
        var c = System.Globalization.CultureInfo.InvariantCulture;
        string data = files.Write("sensors.csv", string.Join(',', Enumerable.Range(0, 64).Select(j => $"s{j}")) + "\n" + string.Concat(Enumerable.Range(0, 120).Select(i =>
            string.Join(',', Enumerable.Range(0, 64).Select(j => ((i * 37 + j * j * 11) % 256).ToString(c))) + "\n")));
        string[] tiny = ["--hidden", "8", "--latent", "2", "--epochs", "2", "--architecture", "dense"];
        foreach (var (name, flags, expected) in new (string, string[], string[])[]
        {
            ("table", [], [.. Tabular]),
            ("image", ["--image-shape", "8,8"], [.. Images]),
        })
        {
            var (code, _, stderr) = CliRunner.Run(["train", "--data", data, "--out", files[$"{name}.zip"], .. tiny, .. flags]);
            Assert.That(code, Is.EqualTo(0), stderr);
            (code, _, stderr) = CliRunner.Run("report", "--model", files[$"{name}.zip"], "--data", data, "--out", files[name]);
            Assert.That(code, Is.EqualTo(0), stderr);
            Assert.That(CheckFolder(files[name]), Is.EquivalentTo(expected), name);
            (code, _, stderr) = CliRunner.Run("sample", "--model", files[$"{name}.zip"], "--out", files[$"{name}.png"]);
            Assert.That(code, Is.EqualTo(name == "image" ? 0 : 2), $"{name}: a PNG grid of samples only for images; {stderr}");
        }
        string html = File.ReadAllText(Path.Combine(files["table"], "index.html"));
        Assert.That(html, Does.Contain("How far the reconstructions of 120 rows miss each feature").And.Not.Contain("strokes"));
    }

    [Test]
    public void ReportOnAnIdxModelAddsReconstructionsSamplesAndATraversal()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        var (code, _, stderr) = CliRunner.Run("report", "--model", f.ImageModel, "--data", f.Images, "--labels", f.Labels, "--out", files["r"]);
        Assert.That(code, Is.EqualTo(0), stderr);
        var pictures = CheckFolder(files["r"]);
        Assert.That(pictures, Is.EquivalentTo(Images), "labels 0, 1, 2: no ROC curve");
        Assert.That(File.ReadAllText(Path.Combine(files["r"], "index.html")), Does.Contain("(60 rows, 36 features)"));
    }
}
