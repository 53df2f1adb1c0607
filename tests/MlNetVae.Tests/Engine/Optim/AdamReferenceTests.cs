using System.Text.Json;
using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Nn;
using MlNetVae.Engine.Optim;
using MlNetVae.Engine.Randomness;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Optim;

/// <summary>
/// Trains the MLP of tests/reference/mlp_adam.py from PyTorch's initial weights and compares the loss of
/// every one of its 100 steps with PyTorch's, for Adam, Adam with L2, AdamW and Adam with gradient clipping.
/// </summary>
public class AdamReferenceTests
{
    private static readonly JsonElement Reference =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "reference", "mlp_adam.json"))).RootElement;

    [TestCase("adam")]
    [TestCase("adam_l2")]
    [TestCase("adamw")]
    [TestCase("adam_clip")]
    public void LossTrajectoryMatchesPyTorch(string run)
    {
        var cfg = Reference.GetProperty("runs").GetProperty(run);
        int[] sizes = Reference.GetProperty("sizes").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var store = new ParameterStore();
        var rng = new Rng(1);
        var net = new Sequential([
            new Linear(store, "0", sizes[0], sizes[1], rng), new ActivationLayer(Activation.Tanh),
            new Linear(store, "2", sizes[1], sizes[2], rng), new ActivationLayer(Activation.Relu),
            new Linear(store, "4", sizes[2], sizes[3], rng)]);
        foreach (var init in Reference.GetProperty("init").EnumerateObject())
            Floats(init.Value).CopyTo(store[init.Name].Value.Span);
        int rows = Floats(Reference.GetProperty("x")).Length / sizes[0];
        var x = Tensor.FromArray(Floats(Reference.GetProperty("x")), rows, sizes[0]);
        var t = Tensor.FromArray(Floats(Reference.GetProperty("t")), rows, sizes[3]);
        var adam = new Adam(store, new AdamOptions(
            LearningRate: cfg.GetProperty("lr").GetSingle(),
            WeightDecay: cfg.GetProperty("weight_decay").GetSingle(),
            DecoupledWeightDecay: cfg.GetProperty("optimizer").GetString() == "adamw",
            MaxGradNorm: cfg.GetProperty("max_norm").ValueKind == JsonValueKind.Null ? null : cfg.GetProperty("max_norm").GetSingle()));

        var expected = cfg.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var tape = new Tape(new Compute(1));
        double worst = 0;
        for (int step = 0; step < expected.Length; step++)
        {
            tape.Reset();
            store.ZeroGrad();
            var loss = tape.Mean(tape.BceWithLogits(net.Forward(tape, tape.Input(x)), tape.Input(t)));
            tape.Backward(loss);
            adam.Step();
            double actual = loss.Value.Span[0];
            double relative = Math.Abs(actual - expected[step]) / Math.Abs(expected[step]);
            worst = Math.Max(worst, relative);
            Assert.That(relative, Is.LessThanOrEqualTo(1e-4), $"{run} step {step}: loss {actual:G9} vs PyTorch {expected[step]:G9}");
        }
        TestContext.Out.WriteLine($"{run}: largest relative loss difference over {expected.Length} steps {worst:E2}");
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();
}
