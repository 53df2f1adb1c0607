using System.Text.Json;
using MlNetVae.Backends;
using MlNetVae.Spec;
using MlNetVae.Training;
using NUnit.Framework;

namespace MlNetVae.Tests.Training;

/// <summary>
/// Replays tests/reference/vae_steps.py: a mixed Bernoulli + Gaussian + categorical VAE with PyTorch's initial weights,
/// the same batches and noise, 40 Adam steps; every step's loss, reconstruction and KL must match PyTorch 1.13's to
/// 1e-4 relative. The reference any training backend (the managed one here, TorchSharp next) is held to.
/// </summary>
public class PyTorchParityTests
{
    private static readonly JsonElement Reference =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "reference", "vae_steps.json"))).RootElement;

    private static VaeSpec Spec(float learningRate, float freeBits)
    {
        var layout = new FeatureLayout(Reference.GetProperty("layout").EnumerateArray()
            .Select(b => new FeatureBlock(Enum.Parse<FeatureKind>(b.GetProperty("kind").GetString()!, ignoreCase: true), b.GetProperty("start").GetInt32(), b.GetProperty("length").GetInt32()))
            .ToArray());
        var options = new VaeOptions
        {
            EncoderHidden = Ints(Reference.GetProperty("hidden")), LatentSize = Reference.GetProperty("latent").GetInt32(),
            LearningRate = learningRate, FreeBits = freeBits, Threads = 1, Backend = TrainingBackends.Managed,
        };
        return VaeSpec.Resolve(options, layout);
    }

    private static StateDict State(JsonElement tensors, VaeSpec spec)
    {
        var state = new StateDict();
        foreach (var t in spec.Tensors) state.Set(t.Name, t.Shape, Floats(tensors.GetProperty(t.Name)));
        return state;
    }

    [Test]
    public void TheSpecNamesAndShapesItsTensorsAsPyTorchsStateDict()
    {
        var spec = Spec(1e-3f, 0);
        var pytorch = Reference.GetProperty("tensors").EnumerateArray().Select(t => (t.GetProperty("name").GetString(), Ints(t.GetProperty("shape")))).ToArray();
        Assert.That(spec.Tensors.Select(t => (t.Name, t.Shape)), Is.EqualTo(pytorch), "names, shapes and order of model.state_dict()");
        Assert.That(Reference.GetProperty("torch_version").GetString(), Does.StartWith("1.13"));
    }

    [Test]
    public void TheStandardizationIsFeatureStatisticsFit()
    {
        var spec = Spec(1e-3f, 0);
        var rows = Floats(Reference.GetProperty("rows"));
        var fitted = FeatureStatistics.Fit(rows, spec.Features, new VaeOptions { Likelihood = LikelihoodKind.Gaussian, CategoricalGroups = [(6, 3)] });
        var init = State(Reference.GetProperty("init"), spec);
        foreach (int c in new[] { 3, 4, 5 })
        {
            Assert.That(fitted.Mean[c], Is.EqualTo(init[VaeSpec.InputMean].Data[c]).Within(1e-6 * Math.Abs(init[VaeSpec.InputMean].Data[c])), $"mean {c}");
            Assert.That(fitted.Scale[c], Is.EqualTo(init[VaeSpec.InputScale].Data[c]).Within(1e-5 * init[VaeSpec.InputScale].Data[c]), $"scale {c}");
        }
    }

    [TestCase("warmup")]
    [TestCase("free_bits")]
    public void EveryStepMatchesPyTorch(string run)
    {
        var cfg = Reference.GetProperty("runs").GetProperty(run);
        var spec = Spec(cfg.GetProperty("lr").GetSingle(), cfg.GetProperty("free_bits").GetSingle());
        var rows = Floats(Reference.GetProperty("rows"));
        var batches = Reference.GetProperty("batches").EnumerateArray().Select(Ints).ToArray();
        var noise = Reference.GetProperty("noise").EnumerateArray().Select(Floats).ToArray();
        var klWeights = Floats(cfg.GetProperty("kl_weights"));
        var losses = Doubles(cfg.GetProperty("losses"));
        var reconstructions = Doubles(cfg.GetProperty("reconstructions"));
        var kls = Doubles(cfg.GetProperty("kls"));
        int d = spec.Features;

        using var backend = new ManagedBackend.Factory().Create(spec, State(Reference.GetProperty("init"), spec), spec.Options);
        double worst = 0;
        for (int step = 0; step < losses.Length; step++)
        {
            var batch = batches[step].SelectMany(r => rows.AsSpan(r * d, d).ToArray()).ToArray();
            var result = backend.Step(batch, noise[step], batches[step].Length, klWeights[step], spec.Options.LearningRate);
            foreach (var (what, actual, expected, floor) in new[] { ("loss", (double)result.Loss, losses[step], 0.0), ("reconstruction", result.Reconstruction, reconstructions[step], 0.0), ("KL", result.Kl, kls[step], 1e-6) })
            {
                double relative = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), floor == 0 ? 1e-30 : 1e-2);
                if (what == "loss") worst = Math.Max(worst, relative);
                Assert.That(Math.Abs(actual - expected), Is.LessThanOrEqualTo(1e-4 * Math.Abs(expected) + floor), $"{run} step {step}: {what} {actual:G9} vs PyTorch {expected:G9}");
            }
        }
        // After 40 steps the weights agree too (Adam normalizes each update, so float rounding moves them by a fraction of lr at most).
        var final = backend.State();
        var expectedFinal = State(cfg.GetProperty("final"), spec);
        double worstWeight = 0;
        foreach (var name in final.Names)
            for (int i = 0; i < final[name].Length; i++)
                worstWeight = Math.Max(worstWeight, Math.Abs(final[name].Data[i] - expectedFinal[name].Data[i]));
        TestContext.Progress.WriteLine($"PyTorch parity {run}: worst relative loss difference over {losses.Length} steps {worst:E2}, worst weight difference after them {worstWeight:E2}");
        Assert.That(worstWeight, Is.LessThan(0.05 * spec.Options.LearningRate), "a small fraction of one step");
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
