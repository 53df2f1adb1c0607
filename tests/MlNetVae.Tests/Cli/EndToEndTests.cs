using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetVae.Cli;
using MlNetVae.Cli.Data;
using MlNetVae.Tests.Cli.Data;
using NUnit.Framework;
using SkiaSharp;

namespace MlNetVae.Tests.Cli;

/// <summary>Every command on a CSV file with a categorical column and on IDX images, checking what it writes against the library.</summary>
public class EndToEndTests
{
    private static int Run(params string[] args)
    {
        var (code, _, err) = CliRunner.Run(args);
        if (code != 0) TestContext.Out.WriteLine(err);
        return code;
    }

    /// <summary>The model's transformer on <paramref name="data"/>, read as the CLI reads it.</summary>
    private static (float[] Scores, bool[] Flags, float[][] Latent, Dataset Data) Transform(string model, string data, string? labels = null)
    {
        var t = ModelFile.Load(model);
        var d = Dataset.Open(data, labels, null, null, MlNetVae.Cli.ModelMetadata.Of(t).Csv);
        var view = t.Transform(d.View);
        return (view.GetColumn<float>("Score").ToArray(), view.GetColumn<bool>("PredictedLabel").ToArray(), view.GetColumn<float[]>("LatentMean").ToArray(), d);
    }

    [Test]
    public void TrainPrintsTheJsonContractAndPlainProgressLines()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        var (code, stdout, stderr) = CliRunner.Run(["train", "--data", f.TrainCsv, "--label-column", "label", "--out", files["m.zip"], "--val-fraction", "0.2", "--json", .. CliFixture.TinyTraining]);
        Assert.That(code, Is.EqualTo(0), stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.That(json.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "epochs", "seconds", "samples_per_second", "train_neg_elbo", "val_neg_elbo", "threshold", "backend", "model" }));
        Assert.That(json.GetProperty("epochs").GetInt32(), Is.EqualTo(2));
        Assert.That(json.GetProperty("val_neg_elbo").ValueKind, Is.EqualTo(JsonValueKind.Number));
        Assert.That(json.GetProperty("threshold").GetDouble(), Is.EqualTo(ModelFile.Load(files["m.zip"]).Threshold.Value));
        Assert.That(stderr, Does.Contain("epoch 1/2").And.Contain("epoch 2/2").And.Contain("KL").And.Contain("ETA"));
        Assert.That(stderr, Does.Not.Contain("warning"), "the label column is named");
    }

    [TestCase("csv")]
    [TestCase("idx")]
    public void ScoreWritesTheTransformersScoreAndFlagForEveryRowInOrder(string kind)
    {
        var f = CliFixture.Get();
        using var files = new Files();
        string[] input = kind == "csv" ? ["--model", f.CsvModel, "--data", f.TestCsv] : ["--model", f.ImageModel, "--data", f.Images, "--labels", f.Labels];
        Assert.That(Run(["score", .. input, "--out", files["s.csv"], "--iwae", "3", "--samples", "2"]), Is.EqualTo(0));
        var s = CsvFile.Read(files["s.csv"]);
        Assert.That(s.Header, Is.EqualTo(new[] { "row", "score", "neg_elbo", "reconstruction", "kl", "iwae_nll", "is_anomaly" }));
        var (scores, flags, _, _) = kind == "csv" ? Transform(f.CsvModel, f.TestCsv) : Transform(f.ImageModel, f.Images, f.Labels);
        Assert.That(s.Rows, Has.Length.EqualTo(kind == "csv" ? 30 : 60));
        Assert.That(s.Column("row"), Is.EqualTo(Enumerable.Range(0, s.Rows.Length).Select(i => i.ToString())));
        Assert.That(s.Column("score"), Is.EqualTo(scores.Select(Outputs.Number)), "the Score column, full precision");
        Assert.That(s.Column("is_anomaly"), Is.EqualTo(flags.Select(b => b ? "1" : "0")), "the PredictedLabel column");
        Assert.That(flags, Does.Contain(true).And.Contain(false), "a threshold inside the scores");

        // At the posterior mean (no --samples), neg_elbo is the transformer's NegElbo: one formula.
        Assert.That(Run(["score", .. input, "--out", files["mean.csv"]]), Is.EqualTo(0));
        var t = ModelFile.Load(input[1]);
        var negElbo = t.Transform(Dataset.Open(input[3], kind == "csv" ? null : f.Labels, null, null, MlNetVae.Cli.ModelMetadata.Of(t).Csv).View).GetColumn<float>("NegElbo").ToArray();
        var cli = CsvFile.Read(files["mean.csv"]).Column("neg_elbo").Select(float.Parse).ToArray();
        for (int i = 0; i < cli.Length; i++) Assert.That(cli[i], Is.EqualTo(negElbo[i]).Within(1e-5 * Math.Max(1, Math.Abs(negElbo[i]))), $"row {i}");
    }

    [TestCase("csv", new[] { "a", "colour", "b", "c" }, AnomalyScore.CorrectedNegElbo)]
    [TestCase("idx", null, AnomalyScore.StructuralMultiscaleSum)]
    public void ScoreExplainWritesTheLargestContributionsByNameAndTheyAddUpToTheScore(string kind, string[]? names, AnomalyScore byDefault)
    {
        var f = CliFixture.Get();
        using var files = new Files();
        string model = kind == "csv" ? f.CsvModel : f.ImageModel;
        Assert.That(ModelFile.Load(model).AnomalyScore, Is.EqualTo(byDefault), "the kind's default score");
        names ??= [.. Enumerable.Range(0, 36).Select(i => $"pixel_{i / 6}_{i % 6}")]; // a categorical column counts once
        string[] input = ["--model", model, "--data", kind == "csv" ? f.TestCsv : f.Images];
        // Every feature (K larger than the feature count is cut to it): the shares and latent_share add up to the score.
        Assert.That(Run(["score", .. input, "--out", files["all.csv"], "--explain", "1000"]), Is.EqualTo(0));
        var all = CsvFile.Read(files["all.csv"]);
        Assert.That(all.Header, Is.EqualTo(new[] { "row", "score", "neg_elbo", "reconstruction", "kl", "is_anomaly" }
            .Concat(Enumerable.Range(1, names.Length).SelectMany(t => new[] { $"top{t}", $"top{t}_share" })).Append("latent_share")));
        foreach (var row in all.Rows)
        {
            var pairs = Enumerable.Range(0, names.Length).Select(t => (Name: row[6 + 2 * t], Share: double.Parse(row[7 + 2 * t]))).ToArray();
            Assert.That(pairs.Select(p => p.Name), Is.EquivalentTo(names), $"row {row[0]}: each feature once, by name");
            Assert.That(pairs.Select(p => p.Share), Is.Ordered.Descending, $"row {row[0]}: largest first");
            double score = double.Parse(row[1]), sum = pairs.Sum(p => p.Share) + double.Parse(row[^1]);
            Assert.That(sum, Is.EqualTo(score).Within(1e-4 * Math.Max(1, Math.Abs(score))), $"row {row[0]}: the parts add up to the score");
        }
        // K = 2: the first two pairs of the full list, the same latent share.
        Assert.That(Run(["score", .. input, "--out", files["two.csv"], "--explain", "2"]), Is.EqualTo(0));
        var two = CsvFile.Read(files["two.csv"]);
        Assert.That(two.Header[6..], Is.EqualTo(new[] { "top1", "top1_share", "top2", "top2_share", "latent_share" }));
        Assert.That(two.Rows.Select(r => r[..10]), Is.EqualTo(all.Rows.Select(r => r[..10])));
        Assert.That(two.Rows.Select(r => r[^1]), Is.EqualTo(all.Rows.Select(r => r[^1])));
    }

    [TestCase("csv")]
    [TestCase("idx")]
    public void EmbedWritesTheLatentMeanColumn(string kind)
    {
        var f = CliFixture.Get();
        using var files = new Files();
        string[] input = kind == "csv" ? ["--model", f.CsvModel, "--data", f.TestCsv] : ["--model", f.ImageModel, "--data", f.Images];
        Assert.That(Run(["embed", .. input, "--out", files["z.csv"]]), Is.EqualTo(0));
        var z = CsvFile.Read(files["z.csv"]);
        Assert.That(z.Header, Is.EqualTo(new[] { "row", "z0", "z1" }));
        var (_, _, latent, _) = kind == "csv" ? Transform(f.CsvModel, f.TestCsv) : Transform(f.ImageModel, f.Images);
        Assert.That(z.Rows.Select(r => r[1..]), Is.EqualTo(latent.Select(m => m.Select(Outputs.Number).ToArray())));
    }

    [Test]
    public void ReconstructAndSampleWriteTheModelsOwnColumnsWhichScoreAgain()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        Assert.That(Run("reconstruct", "--model", f.CsvModel, "--data", f.TestCsv, "--out", files["x.csv"]), Is.EqualTo(0));
        Assert.That(Run("sample", "--model", f.CsvModel, "--count", "7", "--out", files["new.csv"]), Is.EqualTo(0));
        foreach (var (name, rows) in new[] { ("x.csv", 30), ("new.csv", 7) })
        {
            var x = CsvFile.Read(files[name]);
            Assert.That(x.Header, Is.EqualTo(new[] { "a", "colour", "b", "c" }), $"{name}: the training file's columns without its label");
            Assert.That(x.Rows, Has.Length.EqualTo(rows));
            Assert.That(x.Column("colour"), Is.All.AnyOf("red", "green", "blue"), name);
            Assert.That(x.Column("b").Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).Average(), Is.InRange(7.0, 13.0), $"{name}: raw units (b is about 10)");
            Assert.That(Run("score", "--model", f.CsvModel, "--data", files[name], "--out", files[name + ".scores"]), Is.EqualTo(0), $"{name} scores again");
            Assert.That(CsvFile.Read(files[name + ".scores"]).Rows, Has.Length.EqualTo(rows));
        }
        // Reconstructions sit closer to what the model learned than the inputs do.
        var inputs = CsvFile.Read(files["x.csv.scores"]).Column("score").Select(float.Parse).Average();
        Assert.That(inputs, Is.LessThan(Transform(f.CsvModel, f.TestCsv).Scores.Average()));
    }

    [Test]
    public void ImageModelsReconstructAndSampleAsPixelColumnsAndPngGrids()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        Assert.That(Run("reconstruct", "--model", f.ImageModel, "--data", f.Images, "--out", files["x.csv"]), Is.EqualTo(0));
        Assert.That(Run("sample", "--model", f.ImageModel, "--count", "9", "--out", files["s.csv"]), Is.EqualTo(0));
        Assert.That(Run("sample", "--model", f.ImageModel, "--count", "9", "--out", files["s.png"]), Is.EqualTo(0));
        var pixels = Enumerable.Range(0, 36).Select(i => $"pixel_{i / 6}_{i % 6}").ToArray();
        foreach (var name in new[] { "x.csv", "s.csv" })
        {
            var x = CsvFile.Read(files[name]);
            Assert.That(x.Header, Is.EqualTo(pixels), name);
            Assert.That(x.Rows.SelectMany(r => r).Select(float.Parse), Is.All.InRange(0f, 1f), $"{name}: Bernoulli means");
            Assert.That(Run("score", "--model", f.ImageModel, "--data", files[name], "--out", files[name + ".scores"]), Is.EqualTo(0), $"{name} scores again");
        }
        using var png = SKBitmap.Decode(files["s.png"]);
        Assert.That(png, Is.Not.Null);
        Assert.That(png.Pixels.Distinct().Count(), Is.GreaterThan(9), "nine decoded images");
    }

    [Test]
    public void GzipCsvTrainsAndScoresLikeThePlainFile()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        foreach (var (plain, gz) in new[] { (f.TrainCsv, files["train.csv.gz"]), (f.TestCsv, files["test.csv.gz"]) })
            using (var zip = new GZipStream(File.Create(gz), CompressionLevel.Fastest)) zip.Write(File.ReadAllBytes(plain));
        Assert.That(Run(["train", "--data", files["train.csv.gz"], "--label-column", "label", "--out", files["gz.zip"], "--contamination", "0.1", .. CliFixture.TinyTraining]), Is.EqualTo(0));
        Assert.That(Run("score", "--model", files["gz.zip"], "--data", files["test.csv.gz"], "--out", files["gz.csv"]), Is.EqualTo(0));
        Assert.That(Run("score", "--model", f.CsvModel, "--data", f.TestCsv, "--out", files["plain.csv"]), Is.EqualTo(0));
        Assert.That(File.ReadAllText(files["gz.csv"]), Is.EqualTo(File.ReadAllText(files["plain.csv"])), "same seed, same rows: the same model and scores");
    }

    [TestCase("csv")]
    [TestCase("idx")]
    public void EvaluatePrintsTheJsonContract(string kind)
    {
        var f = CliFixture.Get();
        string[] input = kind == "csv" ? ["--model", f.CsvModel, "--data", f.TestCsv] : ["--model", f.ImageModel, "--data", f.Images, "--labels", f.Labels, "--class", "1"];
        var (code, stdout, stderr) = CliRunner.Run(["evaluate", .. input, "--iwae", "4", "--json"]);
        Assert.That(code, Is.EqualTo(0), stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.That(json.GetProperty("rows").GetInt32(), Is.EqualTo(kind == "csv" ? 30 : 20), "--class 1 keeps a third of the 60 images");
        foreach (var field in new[] { "neg_elbo", "reconstruction", "kl", "iwae_nll" }) Assert.That(json.GetProperty(field).ValueKind, Is.EqualTo(JsonValueKind.Number), field);
        Assert.That(json.GetProperty("neg_elbo").GetDouble(), Is.EqualTo(json.GetProperty("reconstruction").GetDouble() + json.GetProperty("kl").GetDouble()).Within(1e-9));
        Assert.That(json.GetProperty("active_units").GetInt32(), Is.InRange(0, 2));
    }

    [TestCase("csv")]
    [TestCase("idx")]
    public void ExportWritesThreeOnnxFilesWhoseScorerComputesTheScoreColumn(string kind)
    {
        var f = CliFixture.Get();
        using var files = new Files();
        string model = kind == "csv" ? f.CsvModel : f.ImageModel;
        Assert.That(Run("export", "--model", model, "--out", files["onnx"]), Is.EqualTo(0));
        Assert.That(Directory.GetFiles(files["onnx"]).Select(Path.GetFileName), Is.EquivalentTo(new[] { "encoder.onnx", "decoder.onnx", "scorer.onnx" }));
        var (scores, flags, _, data) = kind == "csv" ? Transform(model, f.TestCsv) : Transform(model, f.Images);
        var rows = data.ReadFeatures();
        using var session = new InferenceSession(Path.Combine(files["onnx"], "scorer.onnx"));
        var input = new DenseTensor<float>(rows, [scores.Length, rows.Length / scores.Length]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("features", input)]);
        var onnx = results.First(r => r.Name == "score").AsTensor<float>().ToArray();
        var onnxFlags = results.First(r => r.Name == "predicted_label").AsTensor<bool>().ToArray();
        // ONNX Runtime and the managed engine round differently: 1e-5 of the score's terms, which are about 1 for the
        // image default (a sum of z-scores that can cancel to near 0) and about the score itself for the table default.
        for (int i = 0; i < scores.Length; i++)
            Assert.That(onnx[i], Is.EqualTo(scores[i]).Within(1e-5 * (1 + Math.Abs(scores[i]))), $"row {i}");
        // The flags agree wherever the two engines' rounding cannot carry a score across the threshold.
        double threshold = ModelFile.Load(model).Threshold.Value, near = 1e-5 * (1 + Math.Abs(threshold));
        for (int i = 0; i < scores.Length; i++)
            if (Math.Abs(scores[i] - threshold) > near) Assert.That(onnxFlags[i], Is.EqualTo(flags[i]), $"row {i}: score {scores[i]}, threshold {threshold}");
    }

    [Test]
    public void DemoWritesEverythingAndItsTestFileGetsTheLabelColumnHint()
    {
        using var files = new Files();
        string demo = CliFixture.Demo();
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(demo, "..", "demo.json"))).RootElement;
        Assert.That(json.GetProperty("auroc").GetDouble(), Is.GreaterThan(0.7), "10 epochs (0.75 measured; the default 40 do better)");
        Assert.That(json.GetProperty("test_anomalies").GetInt32(), Is.EqualTo(50));
        foreach (var path in new[] { "model.zip", "train.csv", "calibration.csv", "test.csv", "scores.csv", "onnx/scorer.onnx", "onnx/encoder.onnx", "onnx/decoder.onnx", "report/index.html" })
            Assert.That(File.Exists(Path.Combine(demo, path)), path);
        Assert.That(File.ReadAllLines(Path.Combine(demo, "scores.csv")), Has.Length.EqualTo(1001));

        string model = Path.Combine(demo, "model.zip"), test = Path.Combine(demo, "test.csv");
        var (bad, badOut, badErr) = CliRunner.Run("score", "--model", model, "--data", test, "--out", files["s.csv"]);
        Assert.That(bad, Is.EqualTo(2));
        Assert.That(badErr.TrimEnd(), Does.StartWith("mlnetvae: error: ").And.EndWith("; if 'anomaly' is a label, pass --label-column anomaly"));
        Assert.That(File.Exists(files["s.csv"]), Is.False);
        Assert.That(Run("score", "--model", model, "--data", test, "--label-column", "anomaly", "--out", files["s.csv"]), Is.EqualTo(0));
        // The demo writes its float scores widened to double ("3.2369418144226074" for score's "3.2369418"): equal as floats.
        Assert.That(CsvFile.Read(files["s.csv"]).Column("score").Select(float.Parse),
            Is.EqualTo(CsvFile.Read(Path.Combine(demo, "scores.csv")).Column("score").Select(float.Parse)), "the demo's own scores");
    }

    private static string Sklearn(string name) => Path.Combine(AppContext.BaseDirectory, "reference", "sklearn", name);

    [TestCase("iris.csv", "150", "sepal_length,sepal_width,petal_length,petal_width,species", "species", "integers with 3 distinct values among continuous columns")]
    [TestCase("breast_cancer.csv", "569", null, "target", "by its name")]
    public void SklearnFilesAsShippedNeedAHeaderLineAndThenTrainWithALabelWarning(string name, string cell, string? header, string label, string why)
    {
        using var files = new Files();
        var (code, _, stderr) = CliRunner.Run(["train", "--data", Sklearn(name), "--out", files["m.zip"], .. CliFixture.TinyTraining]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Is.EqualTo($"mlnetvae: error: {Sklearn(name)}: line 1 looks like data, not a header: cell 1 ('{cell}') is a number, and column names must not be numbers; add a header line naming the columns (or rename the numeric ones){Environment.NewLine}"));

        var lines = File.ReadAllLines(Sklearn(name));
        header ??= string.Join(',', Enumerable.Range(0, lines[1].Split(',').Length - 1).Select(i => $"f{i}")) + ",target";
        string path = files.Write(name, string.Join('\n', [header, .. lines[1..]]) + "\n");
        (code, _, stderr) = CliRunner.Run(["train", "--data", path, "--out", files["m.zip"], .. CliFixture.TinyTraining]);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stderr.Split('\n').Where(l => l.Contains("warning")), Is.EqualTo(new[]
        {
            $"mlnetvae: warning: {path}: column '{label}' looks like a label ({why}) but is used as a feature; if it is a label, pass --label-column {label}",
        }));
        (code, _, stderr) = CliRunner.Run(["train", "--data", path, "--label-column", label, "--out", files["m.zip"], .. CliFixture.TinyTraining]);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stderr, Does.Not.Contain("warning"));
    }

    [Test]
    public void ALabelLookingColumnPrintsAWarningAndStillTrains()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        var (code, _, stderr) = CliRunner.Run(["train", "--data", f.TrainCsv, "--out", files["m.zip"], .. CliFixture.TinyTraining]);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stderr, Does.StartWith($"mlnetvae: warning: {f.TrainCsv}: column 'label' looks like a label (by its name) but is used as a feature; if it is a label, pass --label-column label"));
        Assert.That(ModelFile.Load(files["m.zip"]).Model.Features, Is.EqualTo(7), "a, colour (3 slots), b, c and label");
    }

    [Test]
    public void TheInstalledBinaryExitsWithTheDocumentedCodes()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        Assert.That(Run("score", "--model", f.CsvModel, "--data", f.TestCsv, "--out", f.CsvModel + ".scores.csv"), Is.EqualTo(0));
        var (code, stdout, stderr) = MlNetVae.Tests.ML.ChildProcess.Cli(60, "score", "--model", f.CsvModel, "--data", f.TestCsv, "--out", files["s.csv"], "--json");
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(JsonDocument.Parse(stdout).RootElement.GetProperty("rows").GetInt32(), Is.EqualTo(30));
        Assert.That(File.ReadAllText(files["s.csv"]), Is.EqualTo(File.ReadAllText(f.CsvModel + ".scores.csv")), "the same file as in-process");

        (code, stdout, stderr) = MlNetVae.Tests.ML.ChildProcess.Cli(60, "score", "--model", f.CsvModel, "--data", f.Images, "--out", files["t.csv"]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Is.EqualTo($"mlnetvae: error: --data {f.Images}: the model was trained on CSV data, not images\n"));
        Assert.That(stdout, Is.Empty);
        Assert.That(File.Exists(files["t.csv"]), Is.False);
    }
}
