using NUnit.Framework;
using static TorchSharp.torch;

namespace MlNetVae.TorchSharp.Tests;

/// <summary>The primitives the image scores add, in libtorch, against the same definitions written out in loops.</summary>
public sealed class TorchOpsTests
{
    [OneTimeSetUp]
    public void Load() => TorchRuntime.Initialize(threads: 1);

    [Test]
    public void LocalMeanEqualsTheManagedEngines()
    {
        // 2 channels of 5 x 4: odd, unequal sizes and two channels; the managed op is tested against a plain loop (LocalMeanTests).
        const int rows = 2, channels = 2, height = 5, width = 4, d = channels * height * width;
        var rng = new System.Random(7);
        var x = Enumerable.Range(0, rows * d).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        using var scope = NewDisposeScope();
        var y = new TorchOps(new Dictionary<string, Tensor>()).LocalMean(tensor(x, [rows, d]), channels, height, width);
        Assert.That(y.shape, Is.EqualTo(new long[] { rows, d }));
        var tape = new MlNetVae.Engine.Autodiff.Tape(new MlNetVae.Engine.Compute(1));
        var managed = new MlNetVae.Graph.TapeOps(tape, weights: null!).LocalMean(tape.Input(MlNetVae.Engine.Tensor.FromArray(x, rows, d)), channels, height, width);
        var expected = managed.Value.Span.ToArray();
        var actual = y.data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-6), $"element {i}");
    }

    [Test]
    public void LogIsTheNaturalLog()
    {
        using var scope = NewDisposeScope();
        float[] x = [1e-30f, 1e-3f, 0.5f, 1f, 2.718281828f, 1e30f];
        var y = new TorchOps(new Dictionary<string, Tensor>()).Log(tensor(x, [2, 3])).data<float>().ToArray();
        for (int i = 0; i < x.Length; i++) Assert.That(y[i], Is.EqualTo(Math.Log(x[i])).Within(1e-6 * Math.Max(1, Math.Abs(Math.Log(x[i])))), $"ln {x[i]}");
    }
}
