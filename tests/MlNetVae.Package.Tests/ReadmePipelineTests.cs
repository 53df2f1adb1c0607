using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace MlNetVae.Package.Tests;

/// <summary>
/// The README's pipeline block, unchanged, as the whole program of a new console application that installs MlNetVae
/// and Microsoft.ML 6.0.0 from the packed folder: published for linux-x64, run on the README's two files; then a second
/// application loads the zip it saved and predicts; and the publish is compared with ML.NET's own way to score an ONNX
/// model next to an anomaly detector (RandomizedPca plus ApplyOnnxModel with Microsoft.ML.OnnxRuntime).
/// </summary>
public sealed partial class ReadmePipelineTests
{
    private ConsumerApp readme = null!;
    private string data = "", output = "";

    [OneTimeSetUp]
    public void PublishAndRunTheReadmePipeline()
    {
        readme = new ConsumerApp("readme", ConsumerApp.ReadmePipeline(), ("MlNetVae", "1.0.0"), ("Microsoft.ML", "6.0.0"));
        readme.PublishLinuxX64();
        data = SensorData.Write(Path.Combine(PackageFeed.Work, "readme-data"));
        output = readme.RunPublished(data);
        TestContext.Progress.WriteLine(output);
    }

    [Test]
    public void TheReadmePipelineTrainsEvaluatesSavesAndPredicts()
    {
        var auc = AucLine().Match(output);
        Assert.That(auc.Success, Is.True, output);
        // Every tenth incoming row has its power 15% off the temperature's: a VAE that trained finds nearly all.
        Assert.That(double.Parse(auc.Groups[1].Value, CultureInfo.InvariantCulture), Is.GreaterThan(0.9), output);
        Assert.That(PredictionLine().IsMatch(output), Is.True, output);
        Assert.That(new FileInfo(Path.Combine(data, "model.zip")).Length, Is.GreaterThan(0));
    }

    [Test]
    public void ASecondApplicationLoadsTheSavedZipAndPredictsTheSameScore()
    {
        var loader = new ConsumerApp("loader", LoaderProgram, ("MlNetVae", "1.0.0"), ("Microsoft.ML", "6.0.0"));
        loader.PublishLinuxX64();
        string loaded = loader.RunPublished(data, Path.Combine(data, "model.zip"));
        TestContext.Progress.WriteLine(loaded);

        // The README's program prints its row's score with three decimals; the loader predicts the same row.
        float fitted = float.Parse(PredictionLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var reloaded = Regex.Match(loaded, @"score (\S+), anomaly (True|False)");
        Assert.That(reloaded.Success, Is.True, loaded);
        Assert.That(float.Parse(reloaded.Groups[1].Value, CultureInfo.InvariantCulture), Is.EqualTo(fitted).Within(0.0006));
        Assert.That(reloaded.Groups[2].Value, Is.EqualTo(PredictionLine().Match(output).Groups[2].Value));
    }

    [Test]
    public void TheLinuxPublishIsAtMost1Point2TimesRandomizedPcaWithApplyOnnxModel()
    {
        var pca = new ConsumerApp("pca", PcaProgram,
            ("Microsoft.ML", "6.0.0"), ("Microsoft.ML.OnnxTransformer", "6.0.0"), ("Microsoft.ML.OnnxRuntime", "1.32.0"));
        pca.PublishLinuxX64();
        long ours = readme.PublishedBytes(), theirs = pca.PublishedBytes();
        double ratio = (double)ours / theirs;
        TestContext.Out.WriteLine($"linux-x64 publish: README pipeline {ours / 1e6:F1} MB, RandomizedPca + ApplyOnnxModel {theirs / 1e6:F1} MB, ratio {ratio:F2}");
        Assert.That(ratio, Is.LessThanOrEqualTo(1.2));
    }

    [GeneratedRegex(@"AUC (\d+\.\d+)")]
    private static partial Regex AucLine();

    [GeneratedRegex(@"score (-?\d+\.\d+), anomaly (True|False)")]
    private static partial Regex PredictionLine();

    private static readonly string LoaderProgram = """
        using Microsoft.ML;

        var ml = new MLContext();
        ITransformer model = ml.Model.Load(args[0], out _);
        var engine = ml.Model.CreatePredictionEngine<Reading, Prediction>(model);
        Prediction p = engine.Predict(new Reading { Temperature = 61, Pressure = 231, Flow = 55, Vibration = 1.6f, Power = 700 });
        Console.WriteLine(FormattableString.Invariant($"score {p.Score:R}, anomaly {p.PredictedLabel}"));

        """ + ConsumerApp.ReadmeTypes();

    // Compiled and published only: what matters is what such an application ships.
    private static readonly string PcaProgram = """
        using Microsoft.ML;

        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromTextFile<Reading>("normal.csv", separatorChar: ',', hasHeader: true);
        var pipeline = ml.Transforms.Concatenate("Features", "Temperature", "Pressure", "Flow", "Vibration", "Power")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.AnomalyDetection.Trainers.RandomizedPca("Features", rank: 3))
            .Append(ml.Transforms.ApplyOnnxModel("scorer.onnx"));
        ITransformer model = pipeline.Fit(train);
        ml.Model.Save(model, train.Schema, "model.zip");

        """ + ConsumerApp.ReadmeTypes();
}
