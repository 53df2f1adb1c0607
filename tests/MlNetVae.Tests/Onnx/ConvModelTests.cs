using System.Diagnostics;
using MlNetVae.Engine;
using MlNetVae.Graph;
using MlNetVae.Inference;
using MlNetVae.Onnx;
using MlNetVae.Spec;
using MlNetVae.Tests.Graph;
using MlNetVae.Training;
using NUnit.Framework;

namespace MlNetVae.Tests.Onnx;

/// <summary>
/// Convolutional models (images: strided convolutions and mirrored transposed convolutions) through every path: the
/// spec resolves them from an image shape, the managed scorer and ONNX Runtime agree on every output, the ONNX checker
/// accepts the graphs, the importer reads them back bit-identically, and training lowers the loss.
/// </summary>
public class ConvModelTests
{
    /// <summary>A small conv VAE on 1 x 12 x 10 images (odd sizes: the decoder's output padding must restore 12 x 10).</summary>
    internal static (VaeModelParameters Model, float[] Rows) Model(bool trained)
    {
        var options = new VaeOptions
        {
            ImageShape = [1, 12, 10], ConvChannels = [4, 8], EncoderHidden = [16], LatentSize = 3, Epochs = 3,
            Likelihood = LikelihoodKind.Bernoulli, Backend = TrainingBackends.Managed, Threads = 1, Seed = 3,
        };
        var rows = TestData.UnitRows(64, 120, seed: 5);
        VaeModelParameters model;
        if (trained) model = VaeTrainer.Train(rows, 120, options).Model;
        else
        {
            var statistics = FeatureStatistics.Fit(rows, 120, options);
            var spec = VaeSpec.Resolve(options, statistics.Layout);
            model = new VaeModelParameters(spec, spec.Initialize(statistics, 3));
        }
        // Image models score with StructuralMultiscaleSum by default, which reads statistics of the training rows.
        return (model.WithScoreStatistics(StatisticsFitter.Fit(model, rows, AnomalyScores.Deterministic, Compute.Shared(1))), rows);
    }

    [Test]
    public void AnImageShapeResolvesToConvolutionsThatRestoreTheImageSize()
    {
        var (model, _) = Model(trained: false);
        var spec = model.Spec;
        Assert.That(spec.IsConvolutional, Is.True);
        var convs = spec.Encoder.Concat(spec.Decoder).OfType<ConvLayer>().Select(l => l.Geometry).ToArray();
        Assert.That(convs.Select(g => (g.InHeight, g.InWidth, g.OutHeight, g.OutWidth, g.Transposed)), Is.EqualTo(new[]
        {
            (12, 10, 6, 5, false), (6, 5, 3, 2, false), (3, 2, 6, 5, true), (6, 5, 12, 10, true),
        }));
        Assert.That(spec.Decoder[^1].Out, Is.EqualTo(120));
        Assert.That(spec.Score, Is.EqualTo(AnomalyScore.StructuralMultiscaleSum), "the image default score");
        Assert.That(spec.Tensors.Select(t => t.Name), Does.Contain("encoder.0.weight").And.Contain("decoder.4.weight"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void OnnxRuntimeMatchesTheManagedEngineOnEveryOutput(bool trained)
    {
        var (model, rows) = Model(trained);
        VaeOutput[] wanted = [VaeOutput.Score, VaeOutput.LatentMean, VaeOutput.LatentLogVar, VaeOutput.Reconstruction, VaeOutput.NegElbo];
        using var ort = new Ort(OnnxExport.Scorer(model));
        var onnx = ort.Run(OnnxNames.Features, rows, 120, OnnxNames.Score, OnnxNames.LatentMean, OnnxNames.Reconstruction, OnnxNames.NegElbo);
        using var encoder = new Ort(OnnxExport.Encoder(model));
        onnx[OnnxNames.LatentLogVar] = encoder.Run(OnnxNames.Features, rows, 120, OnnxNames.LatentLogVar)[OnnxNames.LatentLogVar];
        var managed = new ScorerBuffers(model, 64, wanted);
        new ManagedRunner(model, new MlNetVae.Engine.Compute(1)).Score(rows, 64, model.Spec.Score, managed);
        foreach (var output in wanted)
        {
            var (flag, name) = (output, output.OnnxName);
            var expected = managed.For(flag);
            var actual = onnx[name].Data;
            Assert.That(actual, Has.Length.EqualTo(expected.Length), name);
            for (int i = 0; i < expected.Length; i++)
                Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-5 * (1 + Math.Abs(expected[i]))), $"{name}[{i}]");
        }
        using var decoder = new Ort(OnnxExport.Decoder(model));
        var z = new VaeInference(model, 1).Encode(rows).Mean;
        var decoded = decoder.Run(OnnxNames.Latent, z, 3, OnnxNames.Reconstruction)[OnnxNames.Reconstruction].Data;
        var managedDecoded = new VaeInference(model, 1).Decode(z);
        for (int i = 0; i < decoded.Length; i++) Assert.That(decoded[i], Is.EqualTo(managedDecoded[i]).Within(1e-5), $"decoder[{i}]");
    }

    [Test]
    public void TheImporterReadsAConvModelBackBitIdentically()
    {
        var (model, rows) = Model(trained: true);
        var again = OnnxImport.Load(OnnxExport.Scorer(model)).Model;
        Assert.That(again.Spec.IsConvolutional, Is.True);
        Assert.That(new AnomalyScorer(again).Score(rows), Is.EqualTo(new AnomalyScorer(model).Score(rows)));
        // The resolved options of a conv model (no hidden layers is valid) survive JSON: what the model file stores.
        var noHidden = OptionCatalog.FromJson(OptionCatalog.ToJson(model.Spec.Options with { EncoderHidden = [] }));
        Assert.That(noHidden.EncoderHidden, Is.Empty);
    }

    [Test]
    public void ImagesAndTablesGetTheirOwnDefaults()
    {
        var rows = TestData.UnitRows(64, 120, seed: 5);
        foreach (var (options, conv, latent, kind, score) in new[]
        {
            (new VaeOptions { ImageShape = [1, 12, 10] }, true, 8, FeatureKind.Gaussian, AnomalyScore.StructuralMultiscaleSum),
            (new VaeOptions { ImageShape = [1, 12, 10], Architecture = Architecture.Dense }, false, 16, FeatureKind.Bernoulli, AnomalyScore.CorrectedNegElbo),
            (new VaeOptions(), false, 16, FeatureKind.Bernoulli, AnomalyScore.CorrectedNegElbo),
        })
        {
            var layout = FeatureStatistics.Fit(rows, 120, options).Layout;
            var spec = VaeSpec.Resolve(options, layout);
            Assert.That((spec.IsConvolutional, spec.LatentSize, layout.Kinds().Distinct().Single(), spec.Score), Is.EqualTo((conv, latent, kind, score)), options.ToString());
        }
    }

    [Test]
    public void LargeImagesGetADenseHiddenLayerAndSmallOnesNone()
    {
        // The default convolutions (32, 64; kernel 4, stride 2) end in 64 x 7 x 7 = 3,136 values on 28x28 images, 64 x 2 x 2
        // = 256 on sklearn's 8x8 digits, 64 x 3 x 3 = 576 on 12x10 ones: a layer of 256 between them and the latent when
        // they end in more than 256.
        foreach (var (shape, hidden) in new (int[], int[])[] { ([1, 28, 28], [256]), ([28, 28], [256]), ([1, 8, 8], []), ([1, 12, 10], [256]), ([3, 4, 4], []) })
        {
            int d = shape.Aggregate(1, (a, b) => a * b);
            var options = new VaeOptions { ImageShape = shape };
            var layout = FeatureStatistics.Fit(TestData.UnitRows(4, d, seed: 5), d, options).Layout;
            Assert.That(VaeSpec.Resolve(options, layout).EncoderHidden, Is.EqualTo(hidden), string.Join("x", shape));
        }
        var sixteen = new VaeOptions { ImageShape = [1, 8, 8], ConvChannels = [16] }; // 16 x 4 x 4 = 256: none
        var small = FeatureStatistics.Fit(TestData.UnitRows(4, 64, seed: 5), 64, sixteen).Layout;
        Assert.That(VaeSpec.Resolve(sixteen, small).EncoderHidden, Is.Empty);
        Assert.That(VaeSpec.Resolve(sixteen with { ImageShape = [1, 8, 8], ConvChannels = [32] }, small).EncoderHidden, Is.EqualTo(new[] { 256 }), "32 x 4 x 4 = 512");
        Assert.That(VaeSpec.Resolve(new VaeOptions { ImageShape = [1, 8, 8], EncoderHidden = [100] }, small).EncoderHidden, Is.EqualTo(new[] { 100 }), "a width the user sets stays");
    }

    [Test]
    public void FewTrainingImagesGetASmallerBatchSoAnEpochStillTakesFortySteps()
    {
        var rows = TestData.UnitRows(64, 120, seed: 5);
        var image = new VaeOptions { ImageShape = [1, 12, 10] };
        var layout = FeatureStatistics.Fit(rows, 120, image).Layout;
        foreach (var (count, batch) in new[] { (0, 128), (1, 8), (108, 8), (690, 16), (1279, 16), (1280, 32), (5119, 64), (5120, 128), (60000, 128) })
            Assert.That(VaeSpec.Resolve(image, layout, count).BatchSize, Is.EqualTo(batch), $"{count} rows");
        Assert.That(VaeSpec.Resolve(image with { BatchSize = 100 }, layout, 108).BatchSize, Is.EqualTo(100), "a batch the user sets stays");
        Assert.That(VaeSpec.Resolve(image with { Architecture = Architecture.Dense }, layout, 108).BatchSize, Is.EqualTo(32), "dense models keep their defaults");
        var trained = VaeTrainer.Train(rows, 120, image with { Epochs = 1, Threads = 1, Backend = TrainingBackends.Managed }).Model;
        Assert.That(trained.Spec.BatchSize, Is.EqualTo(8), "training resolves the batch from its 64 rows");
    }

    [Test]
    public void TrainingAConvModelLowersTheLoss()
    {
        var rows = TestData.UnitRows(64, 120, seed: 5);
        var options = new VaeOptions { ImageShape = [12, 10], ConvChannels = [4], EncoderHidden = [], LatentSize = 2, Epochs = 8, Likelihood = LikelihoodKind.Bernoulli, Threads = 1, Backend = TrainingBackends.Managed };
        var (_, result) = VaeTrainer.Train(rows, 120, options);
        Assert.That(result.History[^1].Loss, Is.LessThan(result.History[0].Loss));
    }

    [Test]
    public void TheOnnxCheckerAcceptsTheConvGraphs()
    {
        var (model, _) = Model(trained: false);
        string dir = Directory.CreateTempSubdirectory("mlnetvae-conv-check").FullName;
        try
        {
            OnnxExport.SaveAll(model, dir);
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("import sys, onnx\nfor f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f), full_check=True)\n    print('ok', f)\n");
            foreach (var f in Directory.GetFiles(dir, "*.onnx")) start.ArgumentList.Add(f);
            using var process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd(), errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.Zero, errors);
            Assert.That(output.Split('\n').Count(l => l.StartsWith("ok ")), Is.EqualTo(3));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
