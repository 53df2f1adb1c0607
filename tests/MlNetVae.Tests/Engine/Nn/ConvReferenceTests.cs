using System.Text.Json;
using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Kernels;
using MlNetVae.Engine.Nn;
using MlNetVae.Engine.Randomness;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Nn;

/// <summary>
/// The convolution layers against PyTorch 1.13 (tests/reference/conv_reference.py): outputs and every gradient of
/// single layers and of a chained 28x28 -> 14x14 -> 7x7 encoder with its transposed mirror, from PyTorch's weights
/// loaded unchanged; and the default initialization's bounds.
/// </summary>
public class ConvReferenceTests
{
    private static readonly JsonElement Reference =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "reference", "conv_reference.json"))).RootElement;

    private static IEnumerable<TestCaseData> Layers() =>
        Reference.GetProperty("layers").EnumerateArray().Select(l => new TestCaseData(l.GetProperty("name").GetString()).SetName($"PyTorch layer {l.GetProperty("name").GetString()}"));

    [TestCaseSource(nameof(Layers))]
    public void LayerMatchesPyTorch(string name)
    {
        var l = Reference.GetProperty("layers").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        int Int(string key) => l.GetProperty(key).GetInt32();
        int[] kernel = l.GetProperty("kernel").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var store = new ParameterStore();
        IModule layer;
        ConvGeometry g;
        if (l.GetProperty("transposed").GetBoolean())
        {
            g = ConvGeometry.ConvTranspose2d(Int("in_channels"), Int("height"), Int("width"), Int("out_channels"), kernel[0], kernel[1], Int("stride"), Int("padding"), Int("output_padding"));
            layer = new ConvTranspose2d(store, "layer", g, new Rng(1));
        }
        else
        {
            g = ConvGeometry.Conv2d(Int("in_channels"), Int("height"), Int("width"), Int("out_channels"), kernel[0], kernel[1], Int("stride"), Int("padding"));
            layer = new Conv2d(store, "layer", g, new Rng(1));
        }
        Assert.That(new[] { g.OutChannels, g.OutHeight, g.OutWidth }, Is.EqualTo(l.GetProperty("out_shape").EnumerateArray().Select(e => e.GetInt32())));
        Floats(l, "weight").CopyTo(store["layer.weight"].Value.Span);
        Floats(l, "bias").CopyTo(store["layer.bias"].Value.Span);
        var x = new Parameter("x", Tensor.FromArray(Floats(l, "x"), Int("batch"), g.InFeatures));

        var tape = new Tape(new Compute(2));
        var y = layer.Forward(tape, x);
        Close(y.Value.Span, Floats(l, "y"), "y");
        tape.Backward(y, Floats(l, "dy"));
        Close(x.Grad!.Span, Floats(l, "dx"), "dx");
        Close(store["layer.weight"].Grad!.Span, Floats(l, "dweight"), "dweight");
        Close(store["layer.bias"].Grad!.Span, Floats(l, "dbias"), "dbias");
    }

    [Test]
    public void EncoderAndTransposedMirrorMatchPyTorch()
    {
        var a = Reference.GetProperty("autoencoder");
        var store = new ParameterStore();
        var rng = new Rng(1);
        var encoder = new Sequential([
            new Conv2d(store, "encoder.0", ConvGeometry.Conv2d(1, 28, 28, 4, 4, 4, stride: 2, padding: 1), rng), // (batch, 4 * 14 * 14)
            new ActivationLayer(Activation.Relu),
            new Conv2d(store, "encoder.2", ConvGeometry.Conv2d(4, 14, 14, 8, 4, 4, stride: 2, padding: 1), rng)]); // (batch, 8 * 7 * 7)
        var decoder = new Sequential([
            new ConvTranspose2d(store, "decoder.0", ConvGeometry.ConvTranspose2d(8, 7, 7, 4, 4, 4, stride: 2, padding: 1), rng), // (batch, 4 * 14 * 14)
            new ActivationLayer(Activation.Relu),
            new ConvTranspose2d(store, "decoder.2", ConvGeometry.ConvTranspose2d(4, 14, 14, 1, 4, 4, stride: 2, padding: 1), rng)]); // (batch, 784)
        foreach (var p in a.GetProperty("params").EnumerateObject())
            Floats(p.Value).CopyTo(store[p.Name].Value.Span);
        var x = new Parameter("x", Tensor.FromArray(Floats(a, "x"), a.GetProperty("batch").GetInt32(), 784));

        var tape = new Tape(new Compute(2));
        var h = encoder.Forward(tape, x);
        var y = decoder.Forward(tape, tape.Relu(h));
        Close(h.Value.Span, Floats(a, "h"), "h");
        Close(y.Value.Span, Floats(a, "y"), "y");
        tape.Backward(y, Floats(a, "dy"));
        Close(x.Grad!.Span, Floats(a, "dx"), "dx");
        foreach (var g in a.GetProperty("grads").EnumerateObject())
            Close(store[g.Name].Grad!.Span, Floats(g.Value), $"d{g.Name}");
    }

    [Test]
    public void InitializationUsesPyTorchsBoundsWithEachLayoutsFanIn()
    {
        var store = new ParameterStore();
        var rng = new Rng(7);
        // Conv2d's fan_in is in * kh * kw = 16 * 9; ConvTranspose2d's reads dimension 1 of [in, out, kh, kw]: out * kh * kw = 32 * 16.
        var conv = new Conv2d(store, "conv", ConvGeometry.Conv2d(16, 10, 10, 64, 3, 3), rng);
        var transposed = new ConvTranspose2d(store, "up", ConvGeometry.ConvTranspose2d(16, 7, 7, 32, 4, 4, 2, 1), rng);
        Assert.That((conv.FanIn, transposed.FanIn), Is.EqualTo((144, 512)));
        foreach (var (weight, bias, fanIn) in new[] { (conv.Weight, conv.Bias, 144), (transposed.Weight, transposed.Bias, 512) })
        {
            // kaiming_uniform_(a = sqrt(5)): gain sqrt(2 / (1 + a^2)), std gain / sqrt(fan_in), bound sqrt(3) std.
            double bound = Math.Sqrt(3) * Math.Sqrt(2.0 / (1 + 5)) / Math.Sqrt(fanIn);
            var w = weight.Value.Span.ToArray();
            Assert.That(w.Max(), Is.LessThan(bound).And.GreaterThan(0.99 * bound), weight.Name);
            Assert.That(w.Min(), Is.GreaterThanOrEqualTo(-bound).And.LessThan(-0.99 * bound), weight.Name);
            // Uniform on ±bound: variance bound^2 / 3 (thousands of samples: within a few percent).
            double variance = w.Select(v => (double)v * v).Average();
            Assert.That(variance, Is.EqualTo(bound * bound / 3).Within(5).Percent, weight.Name);
            double biasBound = 1 / Math.Sqrt(fanIn);
            Assert.That(bias.Value.Span.ToArray(), Has.All.InRange(-biasBound, biasBound), bias.Name);
            Assert.That(bias.Value.Span.ToArray().Max() - bias.Value.Span.ToArray().Min(), Is.GreaterThan(biasBound), bias.Name);
        }
    }

    // PyTorch and the engine sum in different orders: agreement to float rounding, 1e-5 absolute and relative.
    private static void Close(ReadOnlySpan<float> actual, float[] expected, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"{what}[{i}] = {actual[i]:G9}, PyTorch {expected[i]:G9}");
    }

    private static float[] Floats(JsonElement e, string key) => Floats(e.GetProperty(key));

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();
}
