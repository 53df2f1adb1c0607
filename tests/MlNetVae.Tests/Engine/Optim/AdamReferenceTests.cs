using System.Text.Json;
using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Nn;
using MlNetVae.Engine.Optim;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Optim;

/// <summary>
/// Trains the MLP of tests/reference/mlp_adam.py from PyTorch's initial weights and compares the loss of
/// every one of its 100 steps with PyTorch's, for Adam, Adam with L2, AdamW and Adam with gradient clipping, and for Adam
/// and AdamW with a learning rate changed before every step (the cosine schedule).
/// </summary>
public class AdamReferenceTests
{
    private static readonly JsonElement Reference =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "reference", "mlp_adam.json"))).RootElement;

    [TestCase("adam")]
    [TestCase("adam_l2")]
    [TestCase("adamw")]
    [TestCase("adam_clip")]
    [TestCase("adam", true)]
    [TestCase("adam_clip", true)]
    [TestCase("adam_cosine")]
    [TestCase("adamw_cosine")]
    public void LossTrajectoryMatchesPyTorch(string run, bool clearInStep = false)
    {
        var cfg = Reference.GetProperty("runs").GetProperty(run);
        int[] sizes = Reference.GetProperty("sizes").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        // nn.Sequential(Linear, Tanh, Linear, ReLU, Linear): the Linear layers are at indices 0, 2 and 4.
        var store = new ParameterStore();
        var layers = new (Parameter Weight, Parameter Bias)[3];
        for (int i = 0; i < 3; i++)
            layers[i] = (store.Add($"{2 * i}.weight", sizes[i + 1], sizes[i]), store.Add($"{2 * i}.bias", sizes[i + 1]));
        var names = Reference.GetProperty("init").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.That(names, Is.EquivalentTo(store.Parameters.Select(p => p.Name)), "PyTorch's state dict names");
        foreach (var init in Reference.GetProperty("init").EnumerateObject())
            Floats(init.Value).CopyTo(store[init.Name].Value.Span);
        Node Forward(Tape tape, Node x)
        {
            for (int i = 0; i < layers.Length; i++)
            {
                if (i == 1) x = tape.Tanh(x);
                if (i == 2) x = tape.Relu(x);
                x = tape.AddBias(tape.MatMul(x, layers[i].Weight, transposeB: true), layers[i].Bias);
            }
            return x;
        }
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
            // PyTorch sets the param group's lr before each step; here the optimizer's rate.
            if (cfg.TryGetProperty("cosine", out _))
                adam.LearningRate = (float)(cfg.GetProperty("lr").GetSingle() * 0.5 * (1 + Math.Cos(Math.PI * step / expected.Length)));
            tape.Reset();
            if (!clearInStep) store.ZeroGrad(); // otherwise the previous step cleared them
            var loss = tape.Mean(tape.BceWithLogits(Forward(tape, tape.Input(x)), tape.Input(t)));
            tape.Backward(loss);
            adam.Step(clearInStep);
            if (clearInStep) Assert.That(store.Grads.ToArray(), Is.All.EqualTo(0f), "the step cleared every gradient it read");
            double actual = loss.Value.Span[0];
            double relative = Math.Abs(actual - expected[step]) / Math.Abs(expected[step]);
            worst = Math.Max(worst, relative);
            Assert.That(relative, Is.LessThanOrEqualTo(1e-4), $"{run} step {step}: loss {actual:G9} vs PyTorch {expected[step]:G9}");
        }
        TestContext.Out.WriteLine($"{run}: largest relative loss difference over {expected.Length} steps {worst:E2}");
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();
}
