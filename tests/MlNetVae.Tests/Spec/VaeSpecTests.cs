using MlNetVae.Backends;
using MlNetVae.Spec;
using NUnit.Framework;

namespace MlNetVae.Tests.Spec;

public class VaeSpecTests
{
    /// <summary>2 Bernoulli features, a 3-slot category, 2 Gaussian features.</summary>
    private static readonly FeatureLayout Mixed = new([new(FeatureKind.Bernoulli, 0, 2), new(FeatureKind.Categorical, 2, 3), new(FeatureKind.Gaussian, 5, 2)]);

    [Test]
    public void TensorsAreNamedAndShapedAsPyTorchsSequentialStateDict()
    {
        var spec = VaeSpec.Resolve(new VaeOptions { EncoderHidden = [16, 8], LatentSize = 3 }, Mixed);
        // nn.Sequential(Linear(7, 16), ReLU, Linear(16, 8), ReLU, Linear(8, 6)) and its mirror from 3 to 7; Linear stores W [out, in].
        (string, int[], TensorRole)[] expected =
        [
            ("input.mean", [7], TensorRole.Buffer), ("input.scale", [7], TensorRole.Buffer),
            ("encoder.0.weight", [16, 7], TensorRole.Parameter), ("encoder.0.bias", [16], TensorRole.Parameter),
            ("encoder.2.weight", [8, 16], TensorRole.Parameter), ("encoder.2.bias", [8], TensorRole.Parameter),
            ("encoder.4.weight", [6, 8], TensorRole.Parameter), ("encoder.4.bias", [6], TensorRole.Parameter),
            ("decoder.0.weight", [8, 3], TensorRole.Parameter), ("decoder.0.bias", [8], TensorRole.Parameter),
            ("decoder.2.weight", [16, 8], TensorRole.Parameter), ("decoder.2.bias", [16], TensorRole.Parameter),
            ("decoder.4.weight", [7, 16], TensorRole.Parameter), ("decoder.4.bias", [7], TensorRole.Parameter),
            ("likelihood.5.log_var", [2], TensorRole.Parameter),
        ];
        Assert.That(spec.Tensors.Select(t => (t.Name, t.Shape, t.Role)), Is.EqualTo(expected));
        Assert.That(spec.Encoder.Select(l => (l.In, l.Out)), Is.EqualTo(new[] { (7, 16), (16, 8), (8, 6) }));
        Assert.That(spec.Decoder.Select(l => (l.In, l.Out)), Is.EqualTo(new[] { (3, 8), (8, 16), (16, 7) }));
        Assert.That(spec.LogVarianceNames, Is.EqualTo(new[] { "", "", "likelihood.5.log_var" }));

        var fixedVariance = VaeSpec.Resolve(new VaeOptions { EncoderHidden = [4], DecoderHidden = [5, 6], LatentSize = 2, LearnGaussianVariance = false }, Mixed);
        Assert.That(fixedVariance.Tensors.Single(t => t.Name == "likelihood.5.log_var").Role, Is.EqualTo(TensorRole.Buffer));
        Assert.That(fixedVariance.Decoder.Select(l => (l.Weight, l.In, l.Out)), Is.EqualTo(new[] { ("decoder.0.weight", 2, 5), ("decoder.2.weight", 5, 6), ("decoder.4.weight", 6, 7) }));
    }

    [TestCase(4, new[] { 32, 16 }, 2)]
    [TestCase(10, new[] { 32, 16 }, 3)]
    [TestCase(30, new[] { 64, 32 }, 8)]
    [TestCase(100, new[] { 256, 128 }, 16)]
    [TestCase(255, new[] { 256, 128 }, 16)]
    [TestCase(256, new[] { 400 }, 20)]
    [TestCase(784, new[] { 400 }, 20)]
    public void UnsetWidthsResolveFromTheFeatureCount(int features, int[] hidden, int latent)
    {
        var spec = VaeSpec.Resolve(new VaeOptions(), FeatureLayout.From(features, [], FeatureKind.Bernoulli));
        Assert.That((spec.EncoderHidden, spec.DecoderHidden, spec.LatentSize), Is.EqualTo((hidden, hidden.Reverse().ToArray(), latent)));
        Assert.That((spec.Options.EncoderHidden, spec.Options.LatentSize), Is.EqualTo((hidden, latent)), "the stored options are concrete");
    }

    [Test]
    public void InitializeDrawsPyTorchsDefaultLinearBoundsAndCopiesTheStandardization()
    {
        var layout = FeatureLayout.From(300, [], FeatureKind.Gaussian);
        var spec = VaeSpec.Resolve(new VaeOptions { EncoderHidden = [400], LatentSize = 20, GaussianLogVariance = -0.5f }, layout);
        var mean = Enumerable.Range(0, 300).Select(i => i * 0.5f).ToArray();
        var scale = Enumerable.Range(0, 300).Select(i => 1 + i * 0.25f).ToArray();
        var state = spec.Initialize(new FeatureStatistics(layout, mean, scale), seed: 3);
        spec.Validate(state);
        Assert.That(state.Names, Is.EqualTo(spec.Tensors.Select(t => t.Name)), "state-dict order");
        Assert.That(state[VaeSpec.InputMean].Data, Is.EqualTo(mean));
        Assert.That(state[VaeSpec.InputScale].Data, Is.EqualTo(scale));
        Assert.That(state["likelihood.0.log_var"].Data, Has.All.EqualTo(-0.5f));
        foreach (var layer in spec.Encoder.Concat(spec.Decoder))
        {
            // nn.Linear: kaiming_uniform_(a = sqrt(5)) on W and U(+-1/sqrt(fan_in)) on b, both bounded by 1/sqrt(in).
            double bound = 1 / Math.Sqrt(layer.In);
            foreach (var name in new[] { layer.Weight, layer.Bias })
            {
                var w = state[name].Data;
                Assert.That(w, Has.All.InRange(-bound, bound), name);
                if (w.Length < 1000) continue;
                double m = w.Average(v => (double)v), sd = Math.Sqrt(w.Average(v => (v - m) * (v - m)));
                Assert.That(w.Max(), Is.GreaterThan(0.99 * bound), $"{name}: fills its range");
                Assert.That(m, Is.EqualTo(0).Within(4 * bound / Math.Sqrt(3 * w.Length)), $"{name}: centered");
                Assert.That(sd, Is.EqualTo(bound / Math.Sqrt(3)).Within(0.02 * bound), $"{name}: uniform's deviation");
            }
        }
        var again = spec.Initialize(new FeatureStatistics(layout, mean, scale), seed: 3);
        var other = spec.Initialize(new FeatureStatistics(layout, mean, scale), seed: 4);
        Assert.That(again["decoder.2.weight"].Data, Is.EqualTo(state["decoder.2.weight"].Data), "same seed, same weights");
        Assert.That(other["decoder.2.weight"].Data, Is.Not.EqualTo(state["decoder.2.weight"].Data));
        Assert.That(() => spec.Initialize(new FeatureStatistics(FeatureLayout.From(300, [], FeatureKind.Bernoulli), mean, scale), 1),
            Throws.ArgumentException.With.Message.Contain("another layout"));
    }

    [Test]
    public void TheMemoryCapRefusesAbsurdModelsAtOnceNamingTheOption()
    {
        var layout = FeatureLayout.From(10, [], FeatureKind.Gaussian);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var wide = Assert.Throws<ArgumentException>(() => VaeSpec.Resolve(new VaeOptions { LatentSize = 4096, EncoderHidden = [65536, 65536] }, layout));
        var batch = Assert.Throws<ArgumentException>(() => VaeSpec.Resolve(new VaeOptions { EncoderHidden = [65536], LatentSize = 16, BatchSize = 65536 }, layout));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(wide!.ParamName, Is.EqualTo(nameof(VaeOptions.EncoderHidden)));
        Assert.That(wide.Message, Does.Contain("--hidden").And.Contain("MB"));
        Assert.That(batch!.ParamName, Is.EqualTo(nameof(VaeOptions.BatchSize)));
        Assert.That(allocated, Is.LessThan(1 << 20), "refused before any weight is allocated");
        Assert.That(() => VaeSpec.Resolve(new VaeOptions { EncoderHidden = [1024, 1024], LatentSize = 64, BatchSize = 1024 }, layout), Throws.Nothing, "a large but sane model");
    }

    [Test]
    public void ValidateNamesTheFirstFaultOfAStateDict()
    {
        var spec = VaeSpec.Resolve(new VaeOptions { EncoderHidden = [4], LatentSize = 2 }, Mixed);
        var stats = new FeatureStatistics(Mixed, new float[7], Enumerable.Repeat(1f, 7).ToArray());
        var good = spec.Initialize(stats, 1);
        Assert.That(() => spec.Validate(good), Throws.Nothing);

        var missing = new StateDict();
        foreach (var name in good.Names.Where(n => n != "decoder.2.bias")) missing.Set(name, good[name].Shape, good[name].Data);
        Assert.That(() => spec.Validate(missing), Throws.ArgumentException.With.Message.EqualTo("tensor 'decoder.2.bias' is missing"));

        var shape = good.Clone();
        shape.Set("encoder.0.weight", [7, 4], shape["encoder.0.weight"].Data);
        Assert.That(() => spec.Validate(shape), Throws.ArgumentException.With.Message.EqualTo("tensor 'encoder.0.weight' has shape [7, 4], expected [4, 7]"));

        var nan = good.Clone();
        nan["encoder.2.bias"].Data[3] = float.NaN;
        Assert.That(() => spec.Validate(nan), Throws.ArgumentException.With.Message.Contain("'encoder.2.bias' holds the non-finite value NaN at 3"));

        var infinite = good.Clone();
        infinite["likelihood.5.log_var"].Data[1] = float.NegativeInfinity;
        Assert.That(() => spec.Validate(infinite), Throws.ArgumentException.With.Message.Contain("likelihood.5.log_var"));

        var zero = good.Clone();
        zero[VaeSpec.InputScale].Data[6] = 0;
        Assert.That(() => spec.Validate(zero), Throws.ArgumentException.With.Message.Contain("non-positive scale 0 at 6"));
        Assert.That(() => new VaeModelParameters(spec, zero), Throws.ArgumentException, "a model cannot be built on it either");
    }

    [Test]
    public void StateDictKeepsOrderChecksShapesAndClonesDeeply()
    {
        var state = new StateDict();
        state.Set("b", [2, 3], new float[6]);
        state.Set("a", [4], [1, 2, 3, 4]);
        state.Set("b", [6], new float[6]);
        Assert.That(state.Names, Is.EqualTo(new[] { "b", "a" }), "insertion order; replacing keeps the place");
        Assert.That(state["b"].Shape, Is.EqualTo(new[] { 6 }));
        Assert.That(state.TotalValues, Is.EqualTo(10));
        var copy = state.Clone();
        copy["a"].Data[0] = 99;
        Assert.That(state["a"].Data[0], Is.EqualTo(1f));
        Assert.That(() => state.Set("c", [2, 2], new float[3]), Throws.ArgumentException.With.Message.Contain("holds 4 values, got 3"));
        Assert.That(() => state.Set("c", [-1, -3], new float[3]), Throws.ArgumentException.With.Message.Contain("negative"));
        Assert.That(() => state.Set("", [1], new float[1]), Throws.ArgumentException);
        Assert.That(() => state["z"], Throws.TypeOf<KeyNotFoundException>().With.Message.Contain("'z'"));
    }

    [Test]
    public void ModelParametersCopyTheirTensorsIn()
    {
        var spec = VaeSpec.Resolve(new VaeOptions { EncoderHidden = [4], LatentSize = 2 }, Mixed);
        var state = spec.Initialize(new FeatureStatistics(Mixed, new float[7], Enumerable.Repeat(1f, 7).ToArray()), 1);
        var model = new VaeModelParameters(spec, state);
        float original = state["encoder.0.weight"].Data[0];
        state["encoder.0.weight"].Data[0] = 42;
        model.State["encoder.0.weight"].Data[0] = 43;
        Assert.That(model.State["encoder.0.weight"].Data[0], Is.EqualTo(original));
        Assert.That((model.Features, model.LatentSize, model.ScoreStatistics), Is.EqualTo((7, 2, (StateDict?)null)));
    }
}
