using System.Text.Json;
using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Kernels;
using MlNetVae.Engine.Nn;
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
        bool transposed = l.GetProperty("transposed").GetBoolean();
        var g = transposed
            ? ConvGeometry.ConvTranspose2d(Int("in_channels"), Int("height"), Int("width"), Int("out_channels"), kernel[0], kernel[1], Int("stride"), Int("padding"), Int("output_padding"))
            : ConvGeometry.Conv2d(Int("in_channels"), Int("height"), Int("width"), Int("out_channels"), kernel[0], kernel[1], Int("stride"), Int("padding"));
        var weight = store.Add("layer.weight", g.WeightShape);
        var bias = store.Add("layer.bias", g.OutChannels);
        Assert.That(new[] { g.OutChannels, g.OutHeight, g.OutWidth }, Is.EqualTo(l.GetProperty("out_shape").EnumerateArray().Select(e => e.GetInt32())));
        Floats(l, "weight").CopyTo(store["layer.weight"].Value.Span);
        Floats(l, "bias").CopyTo(store["layer.bias"].Value.Span);
        var x = new Parameter("x", Tensor.FromArray(Floats(l, "x"), Int("batch"), g.InFeatures));

        var tape = new Tape(new Compute(2));
        var y = transposed ? tape.ConvTranspose2d(x, weight, bias, g) : tape.Conv2d(x, weight, bias, g);
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
        var layers = new (string Name, ConvGeometry Geometry)[]
        {
            ("encoder.0", ConvGeometry.Conv2d(1, 28, 28, 4, 4, 4, stride: 2, padding: 1)),           // (batch, 4 * 14 * 14)
            ("encoder.2", ConvGeometry.Conv2d(4, 14, 14, 8, 4, 4, stride: 2, padding: 1)),           // (batch, 8 * 7 * 7)
            ("decoder.0", ConvGeometry.ConvTranspose2d(8, 7, 7, 4, 4, 4, stride: 2, padding: 1)),   // (batch, 4 * 14 * 14)
            ("decoder.2", ConvGeometry.ConvTranspose2d(4, 14, 14, 1, 4, 4, stride: 2, padding: 1)), // (batch, 784)
        };
        var layerParameters = layers.Select(l => (W: store.Add($"{l.Name}.weight", l.Geometry.WeightShape), B: store.Add($"{l.Name}.bias", l.Geometry.OutChannels), l.Geometry)).ToArray();
        Node Layer(Tape t, Node input, int i) => layerParameters[i].Geometry.Transposed ? t.ConvTranspose2d(input, layerParameters[i].W, layerParameters[i].B, layerParameters[i].Geometry) : t.Conv2d(input, layerParameters[i].W, layerParameters[i].B, layerParameters[i].Geometry);
        foreach (var p in a.GetProperty("params").EnumerateObject())
            Floats(p.Value).CopyTo(store[p.Name].Value.Span);
        var x = new Parameter("x", Tensor.FromArray(Floats(a, "x"), a.GetProperty("batch").GetInt32(), 784));

        var tape = new Tape(new Compute(2));
        var h = Layer(tape, tape.Relu(Layer(tape, x, 0)), 1);
        var y = Layer(tape, tape.Relu(Layer(tape, tape.Relu(h), 2)), 3);
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
        // A conv VAE on 3 x 16 x 16 images: its first convolution has fan_in in * kh * kw = 3 * 16 and its last transposed
        // one reads dimension 1 of [in, out, kh, kw]: out * kh * kw = 3 * 16; the middle ones 32 * 16 (in) and 32 * 16 (out).
        var options = new VaeOptions { ImageShape = [3, 16, 16], ConvChannels = [32, 64], Likelihood = LikelihoodKind.Bernoulli };
        var rows = new float[2 * 768];
        var statistics = MlNetVae.Spec.FeatureStatistics.Fit(rows, 768, options);
        var spec = VaeSpec.Resolve(options, statistics.Layout);
        var state = spec.Initialize(statistics, seed: 7);
        var convs = spec.Tensors.Where(t => t.Shape.Length == 4).ToArray();
        Assert.That(convs.Select(t => t.FanIn), Is.EqualTo(new[] { 3 * 16, 32 * 16, 32 * 16, 3 * 16 }));
        foreach (var t in convs)
        {
            // kaiming_uniform_(a = sqrt(5)): gain sqrt(2 / (1 + a^2)), std gain / sqrt(fan_in), bound sqrt(3) std = 1 / sqrt(fan_in).
            double bound = Math.Sqrt(3) * Math.Sqrt(2.0 / (1 + 5)) / Math.Sqrt(t.FanIn);
            var w = state[t.Name].Data;
            Assert.That(w.Max(), Is.LessThan(bound * (1 + 1e-6)).And.GreaterThan(0.98 * bound), t.Name);
            Assert.That(w.Min(), Is.GreaterThanOrEqualTo(-bound * (1 + 1e-6)).And.LessThan(-0.98 * bound), t.Name);
            // Uniform on ±bound: variance bound^2 / 3 (thousands of samples: within a few percent).
            Assert.That(w.Select(v => (double)v * v).Average(), Is.EqualTo(bound * bound / 3).Within(6).Percent, t.Name);
            var bias = state[t.Name.Replace(".weight", ".bias")].Data;
            Assert.That(bias, Has.All.InRange(-bound * (1 + 1e-6), bound * (1 + 1e-6)), t.Name);
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
