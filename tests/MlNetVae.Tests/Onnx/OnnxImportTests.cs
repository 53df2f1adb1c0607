using Google.Protobuf;
using MlNetVae.Graph;
using MlNetVae.Onnx;
using MlNetVae.Onnx.Proto;
using MlNetVae.Spec;
using MlNetVae.Tests.Graph;
using MlNetVae.Tests.Scores;
using NUnit.Framework;
using static MlNetVae.Tests.Onnx.OnnxFiles;

namespace MlNetVae.Tests.Onnx;

public class OnnxImportTests
{
    [Test, Combinatorial]
    public void ExportThenImportGivesTheSameModelAndBitIdenticalScores([Values] ModelKind kind, [Values(false, true)] bool trained)
    {
        var (model, rows) = TestModels.Get(kind, trained);
        var file = OnnxExport.Scorer(model);
        var loaded = OnnxImport.Load(file);
        Assert.That(loaded.Score, Is.EqualTo(AnomalyScore.CorrectedNegElbo));
        Assert.That(loaded.Model.Spec.Layout, Is.EqualTo(model.Spec.Layout));
        Assert.That(OptionCatalog.ToJson(loaded.Model.Spec.Options), Is.EqualTo(OptionCatalog.ToJson(model.Spec.Options)));
        Assert.That(loaded.Model.State.Names, Is.EqualTo(model.State.Names));
        foreach (var name in model.State.Names)
            Assert.That(loaded.Model.State[name].Data, Is.EqualTo(model.State[name].Data), name);
        Assert.That(loaded.Model.ScoreStatistics, Is.Null);
        AssertSameOutputs(loaded.Model, model, rows, AnomalyScore.CorrectedNegElbo);
        Assert.That(OnnxExport.Scorer(loaded.Model), Is.EqualTo(file), "exported again, the same bytes");
    }

    [TestCase(ModelKind.Gaussian)]
    [TestCase(ModelKind.Mixed)]
    public void ScoreStatisticsAndExtraMetadataRoundTrip(ModelKind kind)
    {
        var (model, _, test) = ScoreFormulaTests.Fitted(kind);
        var extra = new Dictionary<string, string> { ["mlnet.threshold"] = "12.5", ["mlnet.columns"] = "{\"Score\":\"s\"}" };
        foreach (var score in ScoreFormulaTests.TableScores)
        {
            var loaded = OnnxImport.Load(OnnxExport.Scorer(model, new ScorerExportOptions(Score: score, Metadata: extra)));
            Assert.That(loaded.Score, Is.EqualTo(score));
            Assert.That(loaded.Metadata["mlnet.threshold"], Is.EqualTo("12.5"));
            Assert.That(loaded.Metadata["mlnet.columns"], Is.EqualTo("{\"Score\":\"s\"}"));
            Assert.That(loaded.Model.ScoreStatistics?.Names ?? [], Is.EquivalentTo(ScoreStatistics.ReadBy(model.Spec, score)), "the statistics its score reads, and no others");
            AssertSameOutputs(loaded.Model, model, test, score);
        }
    }

    [Test]
    public void AFixedGaussianVarianceRoundTrips()
    {
        var rows = TestModels.Rows(ModelKind.Gaussian, 200);
        var options = TestModels.Options(ModelKind.Gaussian) with { LearnGaussianVariance = false, GaussianLogVariance = -1.5f };
        var stats = FeatureStatistics.Fit(rows, 8, options);
        var spec = VaeSpec.Resolve(options, stats.Layout);
        var model = new VaeModelParameters(spec, spec.Initialize(stats, 3));
        var loaded = OnnxImport.Load(OnnxExport.Scorer(model));
        Assert.That(loaded.Model.Spec.Options.LearnGaussianVariance, Is.False);
        Assert.That(loaded.Model.State["likelihood.0.log_var"].Data, Has.All.EqualTo(-1.5f));
        AssertSameOutputs(loaded.Model, model, rows, AnomalyScore.CorrectedNegElbo);
    }

    [Test]
    public void TheLoaderReadsTheModelNotTheGraphNodes()
    {
        // A scorer whose nodes differ from what this build writes (as an older exporter's would) loads, as long as its
        // metadata, initializers and content hash are consistent: the model is rebuilt from those alone.
        var (model, rows) = TestModels.Get(ModelKind.Mixed, trained: true);
        var good = OnnxExport.Scorer(model);
        var changed = Restamped(good, m =>
        {
            foreach (var node in m.Graph.Node.Where(n => n.OpType == "Relu")) node.OpType = "Sigmoid";
            m.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = "extra", Input = { "features" }, Output = { "unused_copy" } });
            m.Graph.Name = "an older exporter";
        });
        var loaded = OnnxImport.Load(changed);
        AssertSameOutputs(loaded.Model, model, rows, AnomalyScore.CorrectedNegElbo);
        // The change is real: ONNX Runtime running the changed graph computes something else.
        using var original = new Ort(good);
        using var edited = new Ort(changed);
        var a = original.Run(OnnxNames.Features, rows, 14, OnnxNames.Score)[OnnxNames.Score].Data;
        var b = edited.Run(OnnxNames.Features, rows, 14, OnnxNames.Score)[OnnxNames.Score].Data;
        Assert.That(b, Is.Not.EqualTo(a));
    }

    /// <summary>Each named fault, in a file whose content hash is valid unless the fault is the hash itself.</summary>
    public static IEnumerable<TestCaseData> Faults()
    {
        TestCaseData Case(string name, Func<byte[], byte[]> make, string message) => new TestCaseData(make, message).SetArgDisplayNames(name);
        string Options(ModelProto m) => GetMetadata(m, Metadata.OptionsKey);
        byte[] Nan(byte[] f) => Restamped(f, m =>
        {
            var t = Initializer(m, "encoder.0.bias");
            var v = t.RawData.ToByteArray();
            BitConverter.GetBytes(float.PositiveInfinity).CopyTo(v, 8);
            t.RawData = ByteString.CopyFrom(v);
        });
        yield return Case("hash not updated", f => Modified(f, m => m.Graph.Name = "scorer2"), "content hash does not match");
        yield return Case("hash missing", f => Modified(f, m => m.MetadataProps.Remove(m.MetadataProps.Single(p => p.Key == Metadata.ContentHash))), "'content_hash' is missing");
        yield return Case("hash of uppercase digits", f => Modified(f, m => SetMetadata(m, Metadata.ContentHash, GetMetadata(m, Metadata.ContentHash).ToUpperInvariant())), "content hash does not match");
        yield return Case("newer format", f => Restamped(f, m => SetMetadata(m, Metadata.FormatKey, "3")), "model format 3 by a newer MlNetVae");
        yield return Case("older format", f => Restamped(f, m => SetMetadata(m, Metadata.FormatKey, "1")), "re-train the model");
        yield return Case("format not a number", f => Restamped(f, m => SetMetadata(m, Metadata.FormatKey, "2.0")), "not a format version");
        yield return Case("missing tensor", f => Restamped(f, m => m.Graph.Initializer.Remove(Initializer(m, "decoder.2.weight"))), "initializer 'decoder.2.weight' is missing");
        yield return Case("missing standardization", f => Restamped(f, m => m.Graph.Initializer.Remove(Initializer(m, VaeSpec.InputScale))), "initializer 'input.scale' is missing");
        yield return Case("wrong shape", f => Restamped(f, m => { var t = Initializer(m, "encoder.0.weight"); (t.Dims[0], t.Dims[1]) = (t.Dims[1], t.Dims[0]); }), "initializer 'encoder.0.weight' has dims [14, 24], expected [24, 14]");
        yield return Case("huge dims", f => Restamped(f, m => { var t = Initializer(m, "encoder.0.weight"); t.Dims.Clear(); t.Dims.Add([1L << 40, 1L << 40]); }), "has dims");
        yield return Case("non-finite value", Nan, "initializer 'encoder.0.bias' has the non-finite value Infinity at 2");
        yield return Case("short raw data", f => Restamped(f, m => { var t = Initializer(m, "encoder.0.bias"); t.RawData = ByteString.CopyFrom(t.RawData.Span[..^4]); }), "raw bytes");
        yield return Case("raw and float data", f => Restamped(f, m => Initializer(m, "encoder.0.bias").FloatData.Add(1f)), "raw bytes");
        yield return Case("double initializer", f => Restamped(f, m => Initializer(m, "encoder.0.bias").DataType = 11), "data_type 11");
        yield return Case("external data", f => Restamped(f, m => Initializer(m, "encoder.0.bias").DataLocation = TensorProto.Types.DataLocation.External), "external data");
        yield return Case("duplicate initializer", f => Restamped(f, m => m.Graph.Initializer.Add(Initializer(m, "decoder.2.bias").Clone())), "appears twice");
        yield return Case("zero scale", f => Restamped(f, m => { var t = Initializer(m, VaeSpec.InputScale); t.RawData = ByteString.CopyFrom(new byte[t.RawData.Length]); }), "non-positive scale");
        yield return Case("more parameters than the file holds", f => Restamped(f, m => SetMetadata(m, Metadata.OptionsKey, Options(m).Replace("\"EncoderHidden\":[24,16]", "\"EncoderHidden\":[4096,4096]"))), "more than a");
        yield return Case("layout wider than the file", f => Restamped(f, m => SetMetadata(m, Metadata.LayoutKey, "gaussian 0 100000000")), "malformed or oversized block 'gaussian 0 100000000'");
        yield return Case("layout of an unknown kind", f => Restamped(f, m => SetMetadata(m, Metadata.LayoutKey, "poisson 0 14")), "malformed or oversized block 'poisson 0 14'");
        yield return Case("layout kind given as a number", f => Restamped(f, m => SetMetadata(m, Metadata.LayoutKey, "1 0 14")), "malformed");
        yield return Case("layout with a negative start", f => Restamped(f, m => SetMetadata(m, Metadata.LayoutKey, "bernoulli -1 15")), "malformed");
        yield return Case("overlapping blocks", f => Restamped(f, m => SetMetadata(m, Metadata.LayoutKey, "bernoulli 0 6;gaussian 4 10")), "does not continue the layout at feature 6");
        yield return Case("layout short of the features", f => Restamped(f, m => SetMetadata(m, Metadata.LayoutKey, "bernoulli 0 5;gaussian 5 4;categorical 9 3")), "has dims");
        yield return Case("empty layout", f => Restamped(f, m => SetMetadata(m, Metadata.LayoutKey, "")), "malformed");
        yield return Case("options not JSON", f => Restamped(f, m => SetMetadata(m, Metadata.OptionsKey, "{")), "not readable");
        yield return Case("options with an unknown key", f => Restamped(f, m => SetMetadata(m, Metadata.OptionsKey, Options(m).Replace("\"Beta\"", "\"Gamma\""))), "not readable");
        yield return Case("options out of range", f => Restamped(f, m => SetMetadata(m, Metadata.OptionsKey, Options(m).Replace("\"LatentSize\":3", "\"LatentSize\":0"))), "LatentSize");
        yield return Case("options with an unknown activation", f => Restamped(f, m => SetMetadata(m, Metadata.OptionsKey, Options(m).Replace("\"Relu\"", "\"Swish\""))), "not readable");
        yield return Case("options null", f => Restamped(f, m => SetMetadata(m, Metadata.OptionsKey, "null")), "empty");
        yield return Case("missing options", f => Restamped(f, m => m.MetadataProps.Remove(m.MetadataProps.Single(p => p.Key == Metadata.OptionsKey))), "'mlnetvae.options' is missing");
        yield return Case("duplicate metadata", f => Restamped(f, m => m.MetadataProps.Insert(0, new StringStringEntryProto { Key = Metadata.LayoutKey, Value = "bernoulli 0 14" })), "appears twice");
        yield return Case("unknown score", f => Restamped(f, m => SetMetadata(m, Metadata.ScoreKey, "negative_elbo")), "'negative_elbo', not a deterministic score");
        // A graph computes only deterministic scores: a file claiming a sampled one was not written by the exporter.
        yield return Case("a sampled score", f => Restamped(f, m => SetMetadata(m, Metadata.ScoreKey, "neg_elbo")), "'neg_elbo'");
        yield return Case("the other sampled score", f => Restamped(f, m => SetMetadata(m, Metadata.ScoreKey, "iwae_nll")), "'iwae_nll'");
        yield return Case("a score without its statistics", f => Restamped(f, m => SetMetadata(m, Metadata.ScoreKey, "latent_mahalanobis")), "needs statistics of the training rows");
        yield return Case("not the scorer", f => Restamped(f, m => SetMetadata(m, Metadata.GraphKey, "decoder")), "only scorer.onnx holds the whole model");
        yield return Case("wrong ir_version", f => Restamped(f, m => m.IrVersion = 3), "ir_version is 3");
        yield return Case("foreign producer", f => Restamped(f, m => m.ProducerName = "pytorch"), "not an MlNetVae model");
        yield return Case("no graph", f => Restamped(f, m => m.Graph = null), "no graph");
        yield return Case("long hostile string", f => Restamped(f, m => SetMetadata(m, Metadata.ScoreKey, new string('x', 100_000))), "'xxxxxxxx");
        yield return Case("empty file", _ => [], "ir_version is 0");
        yield return Case("not protobuf", _ => "hello, world"u8.ToArray(), "not a valid ONNX (protobuf) file");
    }

    [TestCaseSource(nameof(Faults))]
    public void EveryFaultIsRejectedWithItsName(Func<byte[], byte[]> make, string message)
    {
        var good = OnnxExport.Scorer(TestModels.Get(ModelKind.Mixed, trained: false).Model);
        var file = make(good);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => OnnxImport.Load(file));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(e!.Message, Does.Contain(message));
        Assert.That(e.Message, Has.Length.LessThan(400), "hostile text is clipped");
        // Parsing, the hash's copy and the model each take about the file's size: nothing is sized by the metadata.
        Assert.That(allocated, Is.LessThan(16L * good.Length + (1 << 20)), $"allocated {allocated} bytes for a {file.Length}-byte file");
    }

    [Test]
    public void TheEncoderAndDecoderFilesAreNotWholeModels()
    {
        var model = TestModels.Get(ModelKind.Bernoulli, trained: false).Model;
        Assert.That(() => OnnxImport.Load(OnnxExport.Encoder(model)), Throws.TypeOf<InvalidDataException>().With.Message.Contain("only scorer.onnx holds the whole model"));
        Assert.That(() => OnnxImport.Load(OnnxExport.Decoder(model)), Throws.TypeOf<InvalidDataException>().With.Message.Contain("only scorer.onnx holds the whole model"));
    }

    /// <summary>Every scorer output of both models on the rows, to the bit.</summary>
    internal static void AssertSameOutputs(VaeModelParameters actual, VaeModelParameters expected, float[] rows, AnomalyScore score)
    {
        var a = OnnxRuntimeEqualityTests.Managed(actual, rows, score);
        var b = OnnxRuntimeEqualityTests.Managed(expected, rows, score);
        foreach (var output in new[] { VaeOutput.Score, VaeOutput.LatentMean, VaeOutput.LatentLogVar, VaeOutput.Reconstruction, VaeOutput.NegElbo })
            Assert.That(a.For(output), Is.EqualTo(b.For(output)), output.ToString());
    }
}
