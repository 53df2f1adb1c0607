using MlNetVae.Onnx;
using MlNetVae.Onnx.Proto;
using MlNetVae.Vae;
using NUnit.Framework;
using static MlNetVae.Tests.Onnx.OnnxTestModels;

namespace MlNetVae.Tests.Onnx;

public class OnnxImportTests
{
    [Test, Combinatorial]
    public void ExportThenImportGivesIdenticalManagedResults([Values] Kind kind, [Values(false, true)] bool trained)
    {
        var (model, rows) = Get(kind, trained);
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"roundtrip-{kind}-{trained}");
        OnnxExport.SaveAll(model, path);
        var loaded = OnnxImport.Load(Path.Combine(path, OnnxNames.ScorerFile));

        Assert.That(loaded.Parameters.Values.ToArray(), Is.EqualTo(model.Parameters.Values.ToArray()));
        Assert.That(loaded.Preprocessor.Kinds, Is.EqualTo(model.Preprocessor.Kinds));
        Assert.That(loaded.Preprocessor.Segments, Is.EqualTo(model.Preprocessor.Segments));
        Assert.That(loaded.Options.LogVarClamp, Is.EqualTo(model.Options.LogVarClamp));
        var (mean, logVar) = loaded.Encode(rows);
        Assert.That(mean, Is.EqualTo(model.Encode(rows).Mean));
        Assert.That(logVar, Is.EqualTo(model.Encode(rows).LogVar));
        Assert.That(loaded.Reconstruct(rows), Is.EqualTo(model.Reconstruct(rows)));
        Assert.That(loaded.Score(rows).NegElbo, Is.EqualTo(model.Score(rows).NegElbo));
        // Exported again, the rebuilt model writes the same bytes (up to the producer version, which is the same here).
        Assert.That(OnnxExport.Scorer(loaded), Is.EqualTo(File.ReadAllBytes(Path.Combine(path, OnnxNames.ScorerFile))));
        Directory.Delete(path, recursive: true);
    }

    [Test]
    public void AFixedGaussianVarianceRoundTrips()
    {
        var rows = Rows(Kind.Gaussian, 200);
        var options = new VaeOptions { EncoderHidden = [8], LatentSize = 2, LearnGaussianVariance = false, GaussianLogVariance = -1.5f, Threads = 1 };
        var model = new VaeModel(options, Preprocessor.Fit(rows, options));
        var loaded = OnnxImport.Load(OnnxExport.Scorer(model));
        Assert.That(loaded.Options.LearnGaussianVariance, Is.False);
        Assert.That(loaded.Score(rows).NegElbo, Is.EqualTo(model.Score(rows).NegElbo));
    }

    [Test]
    public void AScorerComputingAnotherScoreIsRejectedByName()
    {
        // What a scorer.onnx from a version whose default was the negative ELBO says about itself.
        var m = ModelProto.Parser.ParseFrom(OnnxExport.Scorer(Get(Kind.Bernoulli, false).Model));
        m.MetadataProps.Single(p => p.Key == "score").Value = "neg_elbo";
        m.MetadataProps.Single(p => p.Key == "content_hash").Value = new string('0', 64);
        var e = Assert.Throws<InvalidDataException>(() => OnnxImport.Load(OnnxExport.Serialize(m)));
        Assert.That(e!.Message, Does.Contain("metadata 'score' is 'neg_elbo'").And.Contain("'corrected_neg_elbo'"));
    }

    [Test]
    public void TheEncoderFileIsNotAWholeModel()
    {
        var e = Assert.Throws<InvalidDataException>(() => OnnxImport.Load(OnnxExport.Encoder(Get(Kind.Bernoulli, false).Model)));
        Assert.That(e!.Message, Does.Contain("only scorer.onnx holds the whole model"));
    }
}
