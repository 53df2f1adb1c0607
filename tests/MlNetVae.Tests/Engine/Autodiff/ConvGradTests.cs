using MlNetVae.Backends;
using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Kernels;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Autodiff;

public class ConvGradTests
{
    // (in channels, height, width, out channels, kernel h, kernel w, stride, padding[, output padding]), batch 2.
    [TestCase(2, 5, 4, 3, 3, 3, 1, 1)]
    [TestCase(1, 6, 6, 2, 4, 4, 2, 1)]
    [TestCase(3, 5, 3, 2, 2, 3, 2, 0)]
    [TestCase(2, 4, 5, 1, 3, 2, 3, 2)]
    public void Conv2dGradientMatchesFiniteDifferences(int c, int h, int w, int o, int kh, int kw, int s, int p)
    {
        var g = ConvGeometry.Conv2d(c, h, w, o, kh, kw, s, p);
        GradCheck.Check((tape, q) => tape.Conv2d(q[0], q[1], q[2], g), Inputs(g));
    }

    [TestCase(2, 5, 4, 3, 3, 3, 1, 1, 0)]
    [TestCase(2, 3, 3, 1, 4, 4, 2, 1, 0)]
    [TestCase(3, 3, 2, 2, 2, 3, 2, 0, 1)]
    [TestCase(2, 2, 3, 2, 3, 2, 3, 2, 2)]
    public void ConvTranspose2dGradientMatchesFiniteDifferences(int c, int h, int w, int o, int kh, int kw, int s, int p, int op)
    {
        var g = ConvGeometry.ConvTranspose2d(c, h, w, o, kh, kw, s, p, op);
        GradCheck.Check((tape, q) => tape.ConvTranspose2d(q[0], q[1], q[2], g), Inputs(g));
    }

    [Test]
    public void WithoutBiasAndFedIntoEachOther()
    {
        // An encoder-decoder pair without biases: the gradient reaches x through both convolutions.
        var down = ConvGeometry.Conv2d(2, 6, 5, 3, 3, 3, 2, 1);
        var up = ConvGeometry.ConvTranspose2d(3, down.OutHeight, down.OutWidth, 2, 3, 3, 2, 1, outputPadding: 1);
        Assert.That((up.OutHeight, up.OutWidth), Is.EqualTo((6, 6)));
        GradCheck.Check((tape, q) => tape.ConvTranspose2d(tape.Tanh(tape.Conv2d(q[0], q[1], null, down)), q[2], null, up),
            [GradCheck.Random(31, -1, 1, 2, down.InFeatures), GradCheck.Random(32, -1, 1, down.WeightShape), GradCheck.Random(33, -1, 1, up.WeightShape)]);
    }

    [Test]
    public void RejectsMismatchedShapesWithClearMessages()
    {
        var tape = new Tape(new Compute(1));
        var g = ConvGeometry.Conv2d(2, 5, 5, 3, 3, 3);
        var x = tape.Input(new Tensor(4, 50));
        var w = tape.Input(new Tensor(3, 2, 3, 3));
        var ex = Assert.Throws<ArgumentException>(() => tape.Conv2d(tape.Input(new Tensor(4, 49)), w, null, g));
        Assert.That(ex!.Message, Does.Contain("x [batch, 50]"));
        ex = Assert.Throws<ArgumentException>(() => tape.Conv2d(x, tape.Input(new Tensor(2, 3, 3, 3)), null, g));
        Assert.That(ex!.Message, Does.Contain("weight [3, 2, 3, 3]"));
        ex = Assert.Throws<ArgumentException>(() => tape.Conv2d(x, w, tape.Input(new Tensor(2)), g));
        Assert.That(ex!.Message, Does.Contain("bias [3]"));
        ex = Assert.Throws<ArgumentException>(() => tape.ConvTranspose2d(x, w, null, g));
        Assert.That(ex!.Message, Does.Contain("ConvGeometry.ConvTranspose2d"));
    }

    [Test]
    public void GeometryComputesPyTorchsSizesAndRejectsImpossibleOnes()
    {
        var encoder = ConvGeometry.Conv2d(1, 28, 28, 32, 4, 4, stride: 2, padding: 1);
        Assert.That((encoder.OutChannels, encoder.OutHeight, encoder.OutWidth, encoder.OutFeatures), Is.EqualTo((32, 14, 14, 32 * 14 * 14)));
        Assert.That(encoder.WeightShape, Is.EqualTo(new[] { 32, 1, 4, 4 }));
        var decoder = ConvGeometry.ConvTranspose2d(64, 7, 7, 32, 3, 3, stride: 2, padding: 1, outputPadding: 1);
        Assert.That((decoder.OutHeight, decoder.OutWidth), Is.EqualTo((14, 14)));
        Assert.That(decoder.WeightShape, Is.EqualTo(new[] { 64, 32, 3, 3 }));
        Assert.That(ConvGeometry.Conv2d(3, 5, 3, 8, 5, 3), Is.EqualTo(ConvGeometry.Conv2d(3, 5, 3, 8, 5, 3)));

        Assert.That(Assert.Throws<ArgumentException>(() => ConvGeometry.Conv2d(1, 3, 3, 1, 5, 5))!.Message,
            Does.Contain("kernel height 5 exceeds the padded input height 3"));
        Assert.That(Assert.Throws<ArgumentException>(() => ConvGeometry.Conv2d(0, 3, 3, 1, 1, 1))!.Message, Does.Contain("inChannels must be positive"));
        Assert.That(Assert.Throws<ArgumentException>(() => ConvGeometry.Conv2d(1, 3, 3, 1, 1, 1, stride: 0))!.Message, Does.Contain("stride must be positive"));
        Assert.That(Assert.Throws<ArgumentException>(() => ConvGeometry.Conv2d(1, 3, 3, 1, 1, 1, padding: -1))!.Message, Does.Contain("padding must not be negative"));
        Assert.That(Assert.Throws<ArgumentException>(() => ConvGeometry.ConvTranspose2d(1, 3, 3, 1, 3, 3, stride: 2, outputPadding: 2))!.Message,
            Does.Contain("output padding must be in [0, stride = 2)"));
        Assert.That(Assert.Throws<ArgumentException>(() => ConvGeometry.ConvTranspose2d(1, 1, 1, 1, 1, 1, padding: 1))!.Message,
            Does.Contain("gives an output height of -1"));
    }

    [TestCase(1)]
    [TestCase(2)]
    public void ConvolutionalAutoencoderStepAllocatesNothingOnceWarm(int threads)
    {
        var enc1 = ConvGeometry.Conv2d(1, 28, 28, 4, 4, 4, 2, 1);
        var enc2 = ConvGeometry.Conv2d(4, 14, 14, 8, 4, 4, 2, 1);
        var dec1 = ConvGeometry.ConvTranspose2d(8, 7, 7, 4, 4, 4, 2, 1);
        var dec2 = ConvGeometry.ConvTranspose2d(4, 14, 14, 1, 4, 4, 2, 1);
        var p = new[] { enc1, enc2, dec1, dec2 }.SelectMany((g, i) => new[]
        {
            new Parameter($"{i}.weight", GradCheck.Random(40 + i, -0.2f, 0.2f, g.WeightShape)),
            new Parameter($"{i}.bias", GradCheck.Random(50 + i, -0.2f, 0.2f, g.OutChannels)),
        }).ToArray();
        var x = GradCheck.Random(60, 0, 1, 16, 784); // (batch, 1 * 28 * 28)
        var tape = new Tape(new Compute(threads));

        void Step()
        {
            tape.Reset();
            foreach (var q in p) q.Grad!.Clear();
            var input = tape.Input(x);
            var h = tape.Relu(tape.Conv2d(tape.Relu(tape.Conv2d(input, p[0], p[1], enc1)), p[2], p[3], enc2)); // (batch, 8 * 7 * 7)
            var logits = tape.ConvTranspose2d(tape.Relu(tape.ConvTranspose2d(h, p[4], p[5], dec1)), p[6], p[7], dec2); // (batch, 784)
            tape.Backward(tape.Sum(tape.BceWithLogits(logits, input)));
        }

        Step();
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) Step();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    // x, weight and bias for a batch of 2.
    private static Tensor[] Inputs(ConvGeometry g) =>
        [GradCheck.Random(21, -1, 1, 2, g.InFeatures), GradCheck.Random(22, -1, 1, g.WeightShape), GradCheck.Random(23, -1, 1, g.OutChannels)];
}
