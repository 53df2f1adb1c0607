using System.Text.Json;
using MlNetVae.Pipeline;
using MlNetVae.Tests.Pipeline;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli;

/// <summary>Every command on small data, checking what it writes.</summary>
public class EndToEndTests
{
    [Test]
    public void TrainPrintsTheJsonContractAndPlainProgressLines()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        var (code, stdout, stderr) = CliRunner.Run(["train", "--data", f.TrainCsv, "--label-column", "label", "--out", files["m.vae"], "--val-fraction", "0.2", "--json", .. CliFixture.TinyTraining]);
        Assert.That(code, Is.EqualTo(0), stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        foreach (var field in new[] { "epochs", "seconds", "samples_per_second", "train_neg_elbo", "val_neg_elbo" })
            Assert.That(json.TryGetProperty(field, out _), field);
        Assert.That(json.GetProperty("epochs").GetInt32(), Is.EqualTo(2));
        Assert.That(json.GetProperty("val_neg_elbo").ValueKind, Is.EqualTo(JsonValueKind.Number));
        Assert.That(stderr, Does.Contain("epoch 1/2").And.Contain("epoch 2/2").And.Contain("KL").And.Contain("ETA"));
    }

    [Test]
    public void EmbedReconstructAndScoreWriteOneRowPerInputRowInOrder()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        var model = VaeTransformer.Load(f.CsvModel);
        var data = model.ReadCsv(f.TestCsv, "label");

        Assert.That(Run("embed", "--model", f.CsvModel, "--data", f.TestCsv, "--out", files["z.csv"]), Is.EqualTo(0));
        var z = ReadCsv(files["z.csv"]);
        Assert.That(z.Header, Is.EqualTo(new[] { "row", "z0", "z1" }));
        Assert.That(z.Rows, Has.Length.EqualTo(30));
        Assert.That(z.Rows.Select(r => r[0]), Is.EqualTo(Enumerable.Range(0, 30)));
        Assert.That(z.Rows[7][1..], Is.EqualTo(model.Encode(data)[7]).Within(1e-6));

        Assert.That(Run("reconstruct", "--model", f.CsvModel, "--data", f.TestCsv, "--out", files["x.csv"]), Is.EqualTo(0));
        var x = ReadCsv(files["x.csv"]);
        Assert.That(x.Header, Is.EqualTo(new[] { "row" }.Concat(Enumerable.Range(0, 6).Select(j => $"x{j}"))), "3 numeric + 3 one-hot slots");
        Assert.That(x.Rows, Has.Length.EqualTo(30));

        Assert.That(Run("score", "--model", f.CsvModel, "--data", f.TestCsv, "--out", files["s.csv"], "--iwae", "3", "--samples", "2"), Is.EqualTo(0));
        var s = ReadCsv(files["s.csv"]);
        Assert.That(s.Header, Is.EqualTo(new[] { "row", "score", "neg_elbo", "reconstruction", "kl", "iwae_nll", "is_anomaly" }));
        Assert.That(s.Rows, Has.Length.EqualTo(30));
        var expected = model.Score(data);
        for (int r = 0; r < 30; r++)
        {
            Assert.That(s.Rows[r][1], Is.EqualTo(expected[r]), "score is the default score, full precision");
            Assert.That(s.Rows[r][6], Is.EqualTo(model.Threshold!.IsAnomaly(expected[r]) ? 1 : 0));
        }
    }

    [Test]
    public void TheSavedAndReloadedModelScoresExactlyAsTheSameFitInMemory()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        // Training is deterministic for a seed, so the library fit with the CLI's settings is the model before saving.
        var options = new MlNetVae.Vae.VaeOptions { EncoderHidden = [8], LatentSize = 2, Epochs = 2, BatchSize = 32, LearningRate = 0.003f };
        var inMemory = new VaeEstimator(options) { Contamination = 0.1 }.Fit(VaeData.FromCsv(f.TrainCsv, labelColumn: "label"));
        Assert.That(Run("score", "--model", f.CsvModel, "--data", f.TestCsv, "--out", files["s.csv"]), Is.EqualTo(0));
        var scores = ReadCsv(files["s.csv"]).Rows.Select(r => r[1]).ToArray();
        Assert.That(scores, Is.EqualTo(inMemory.Score(inMemory.ReadCsv(f.TestCsv))));
        Assert.That(VaeTransformer.Load(f.CsvModel).Threshold, Is.EqualTo(inMemory.Threshold));
    }

    [Test]
    public void EvaluatePrintsTheJsonContract()
    {
        var f = CliFixture.Get();
        var (code, stdout, stderr) = CliRunner.Run("evaluate", "--model", f.CsvModel, "--data", f.TestCsv, "--iwae", "4", "--json");
        Assert.That(code, Is.EqualTo(0), stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.That(json.GetProperty("rows").GetInt32(), Is.EqualTo(30));
        foreach (var field in new[] { "neg_elbo", "reconstruction", "kl", "iwae_nll" }) Assert.That(json.GetProperty(field).ValueKind, Is.EqualTo(JsonValueKind.Number), field);
        Assert.That(json.GetProperty("active_units").GetInt32(), Is.InRange(0, 2));
    }

    [Test]
    public void ExportWritesTheThreeOnnxFilesTheModelFileHolds()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        Assert.That(Run("export", "--model", f.CsvModel, "--out", files["onnx"]), Is.EqualTo(0));
        Assert.That(Directory.GetFiles(files["onnx"]).Select(Path.GetFileName), Is.EquivalentTo(new[] { "encoder.onnx", "decoder.onnx", "scorer.onnx" }));
        using var zip = System.IO.Compression.ZipFile.OpenRead(f.CsvModel);
        using var inside = new MemoryStream();
        zip.GetEntry("scorer.onnx")!.Open().CopyTo(inside);
        Assert.That(File.ReadAllBytes(Path.Combine(files["onnx"], "scorer.onnx")), Is.EqualTo(inside.ToArray()));
    }

    [Test]
    public void TheScoreColumnIsWhatTheExportedScorerOnnxComputesInOnnxRuntimeAndAnomalyScorersDefault()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        Assert.That(Run("export", "--model", f.CsvModel, "--out", files["onnx"]), Is.EqualTo(0));
        Assert.That(Run("score", "--model", f.CsvModel, "--data", f.TestCsv, "--out", files["s.csv"]), Is.EqualTo(0));
        var csv = ReadCsv(files["s.csv"]).Rows;
        double[] cli = csv.Select(r => r[1]).ToArray(), cliNegElbo = csv.Select(r => r[2]).ToArray();
        var model = VaeTransformer.Load(f.CsvModel);
        var rows = model.ReadCsv(f.TestCsv).Rows;
        using var session = new MlNetVae.Onnx.Runtime.OnnxRuntimeSession(File.ReadAllBytes(Path.Combine(files["onnx"], "scorer.onnx")));
        var input = new MlNetVae.Onnx.Runtime.OnnxTensor("features", rows.SelectMany(r => r).ToArray(), [rows.Count, rows[0].Length]);
        var outputs = session.Run([input], ["score", "neg_elbo"]);
        float[] onnx = outputs[0].Data, onnxNegElbo = outputs[1].Data;
        Assert.That(onnx, Has.Length.EqualTo(cli.Length));
        var anomalyScorer = MlNetVae.Scoring.AnomalyScorer.Fit(model.Model, rows).Score(rows);
        for (int r = 0; r < cli.Length; r++)
        {
            Assert.That(onnx[r], Is.EqualTo(cli[r]).Within(1e-4 + 1e-5 * Math.Abs(cli[r])), $"row {r}: score vs scorer.onnx");
            Assert.That(cli[r], Is.EqualTo(anomalyScorer[r]), $"row {r}: score vs AnomalyScorer's default, full precision");
            Assert.That(onnxNegElbo[r], Is.EqualTo(cliNegElbo[r]).Within(1e-4 + 1e-5 * Math.Abs(cliNegElbo[r])), $"row {r}: neg_elbo (--samples 0)");
        }
    }

    [Test]
    public void SampleWritesAPngGridForImagesAndACsvOtherwise()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        Assert.That(Run("sample", "--model", f.ImageModel, "--count", "9", "--out", files["s.png"]), Is.EqualTo(0));
        var png = File.ReadAllBytes(files["s.png"]);
        Assert.That(png[..8], Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));
        Assert.That(Run("sample", "--model", f.CsvModel, "--count", "5", "--out", files["s.csv"]), Is.EqualTo(0));
        Assert.That(File.ReadAllLines(files["s.csv"]), Has.Length.EqualTo(6));
    }

    [Test]
    public void ReportWritesPlotsAndAnIndexForTablesAndImages()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        Assert.That(Run("report", "--model", f.CsvModel, "--data", f.TestCsv, "--out", files["table"]), Is.EqualTo(0));
        Assert.That(Directory.GetFiles(files["table"]).Select(Path.GetFileName), Is.EquivalentTo(new[] { "index.html", "loss.svg", "kl.svg", "latent.svg" }));
        Assert.That(File.ReadAllText(Path.Combine(files["table"], "latent.svg")), Does.Contain("class 2"), "coloured by label");
        Assert.That(Run("report", "--model", f.ImageModel, "--data", f.Images, "--labels", f.Labels, "--out", files["images"]), Is.EqualTo(0));
        var names = Directory.GetFiles(files["images"]).Select(Path.GetFileName).ToArray();
        Assert.That(names, Is.SupersetOf(new[] { "index.html", "reconstructions.png", "traversal.png", "samples.png", "latent.svg" }));
        var index = File.ReadAllText(Path.Combine(files["images"], "index.html"));
        foreach (var name in names.Where(n => n != "index.html")) Assert.That(index, Does.Contain($"src=\"{name}\""));
    }

    [Test]
    public void TrainOnOneIdxClassKeepsOnlyItsImages()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        var (code, _, stderr) = CliRunner.Run(["train", "--data", f.Images, "--labels", f.Labels, "--class", "1", "--out", files["one.vae"], .. CliFixture.TinyTraining]);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stderr, Does.Contain("trained on 20 rows x 36 features"));
    }

    [Test]
    public void DemoTrainsScoresAndWritesEverythingIntoItsFolder()
    {
        using var files = new Files();
        var (code, stdout, stderr) = CliRunner.Run("demo", "--out", files["demo"], "--epochs", "3", "--json");
        Assert.That(code, Is.EqualTo(0), stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.That(json.GetProperty("auroc").GetDouble(), Is.GreaterThan(0.7));
        Assert.That(json.GetProperty("test_anomalies").GetInt32(), Is.EqualTo(50));
        foreach (var path in new[] { "model.vae", "train.csv", "test.csv", "scores.csv", "onnx/scorer.onnx", "onnx/encoder.onnx", "onnx/decoder.onnx", "report/index.html" })
            Assert.That(File.Exists(Path.Combine(files["demo"], path)), path);
        Assert.That(File.ReadAllLines(Path.Combine(files["demo"], "scores.csv")), Has.Length.EqualTo(1001));
    }

    private static int Run(params string[] args)
    {
        var (code, _, err) = CliRunner.Run(args);
        if (code != 0) TestContext.Out.WriteLine(err);
        return code;
    }

    private static (string[] Header, double[][] Rows) ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        return (lines[0].Split(','), lines[1..].Select(l => l.Split(',').Select(c => double.Parse(c, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray());
    }
}
