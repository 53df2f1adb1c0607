using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Autodiff;

/// <summary>Re-recording a graph after Reset: no allocation, same results, shape changes handled.</summary>
public class RecordingTests
{
    [Test]
    public void MlpStepAllocatesNothingOnceWarm()
    {
        var x = GradCheck.Random(81, -1, 1, 8, 5);     // (batch, in)
        var y = GradCheck.Random(82, 0, 1, 8, 4);      // (batch, out)
        var w1 = new Parameter("w1", GradCheck.Random(83, -1, 1, 6, 5));
        var b1 = new Parameter("b1", GradCheck.Random(84, -1, 1, 6));
        var w2 = new Parameter("w2", GradCheck.Random(85, -1, 1, 4, 6));
        var b2 = new Parameter("b2", GradCheck.Random(86, -1, 1, 4));
        var tape = new Tape(new Compute(1));

        void Step()
        {
            tape.Reset();
            var h = tape.Relu(tape.AddBias(tape.MatMul(tape.Input(x), w1, transposeB: true), b1)); // (batch, 6)
            var logits = tape.AddBias(tape.MatMul(h, w2, transposeB: true), b2);                   // (batch, 4)
            tape.Backward(tape.Sum(tape.BceWithLogits(logits, tape.Input(y))));
        }

        Assert.That(AllocatedBytes(Step), Is.EqualTo(0));
    }

    [Test]
    public void StepUsingEveryOpAllocatesNothingOnceWarm()
    {
        var model = new KitchenSink(8);
        Assert.That(AllocatedBytes(() => model.Step(8)), Is.EqualTo(0));
    }

    [Test]
    public void GradientsAreBitIdenticalAcrossRunsAndAfterABatchSizeChange()
    {
        var first = new KitchenSink(8);
        first.Step(8);
        first.Step(5);                      // every buffer shrinks in place
        float loss = first.Step(8);         // and grows back
        var fresh = new KitchenSink(8);
        Assert.That(fresh.Step(8), Is.EqualTo(loss));
        Assert.That(first.Gradients(), Is.EqualTo(fresh.Gradients()));

        float small = first.Step(5);
        var freshSmall = new KitchenSink(8);
        Assert.That(freshSmall.Step(5), Is.EqualTo(small));
        Assert.That(first.Gradients(), Is.EqualTo(freshSmall.Gradients()));
    }

    [Test]
    public void BackwardSkipsNodesRecordedAfterTheOutput()
    {
        var tape = new Tape(new Compute(1));
        var w = new Parameter("w", GradCheck.Random(87, -1, 1, 2, 3));
        var loss = tape.Sum(w);
        var after = tape.Mul(tape.Exp(w), tape.Input(Expect.Tensor([float.PositiveInfinity, 0, 0, 0, 0, 0], 2, 3))); // 0 * inf would be NaN
        tape.Backward(loss);
        Assert.That(w.Grad!.Span.ToArray(), Is.All.EqualTo(1f));
        Assert.That(after.Grad!.Span.ToArray(), Is.All.EqualTo(0f));
    }

    [Test]
    public void BackwardRejectsAnOutputNotOnTheTape()
    {
        var tape = new Tape(new Compute(1));
        var other = new Tape(new Compute(1));
        var w = new Parameter("w", new Tensor(1));
        var stale = tape.Sum(w);
        tape.Reset();
        Assert.Throws<ArgumentException>(() => tape.Backward(stale));
        Assert.Throws<ArgumentException>(() => tape.Backward(other.Sum(w)));
        tape.Backward(w); // a parameter is its own output: its gradient is seeded
        Assert.That(w.Grad!.Span[0], Is.EqualTo(1f));
    }

    private static long AllocatedBytes(Action step)
    {
        step();
        step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) step();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>
    /// A small mixed-type VAE that records every op: 4 Gaussian features, 2 categorical features of 3 classes,
    /// 2 binary features; an IWAE-like bound over 2 samples; and a few extra terms for the remaining ops.
    /// </summary>
    private sealed class KitchenSink
    {
        private readonly Tensor _x, _eps1, _eps2;
        private readonly Parameter[] _p;
        private readonly Tape _tape = new(new Compute(1));

        public KitchenSink(int rows)
        {
            _x = GradCheck.Random(90, 0, 1, rows, 12);  // (batch, 12)
            for (int r = 0; r < rows; r++)
                for (int c = 4; c < 10; c++) _x[r, c] = (c - 4) % 3 == r % 3 ? 1 : 0;
            _eps1 = GradCheck.Random(91, -1, 1, rows, 2); // (batch, latent)
            _eps2 = GradCheck.Random(92, -1, 1, rows, 2);
            _p =
            [
                new("enc.w", GradCheck.Random(93, -0.5f, 0.5f, 6, 12)), new("enc.b", GradCheck.Random(94, -0.5f, 0.5f, 6)),
                new("lat.w", GradCheck.Random(95, -0.5f, 0.5f, 4, 6)), new("lat.b", GradCheck.Random(96, -0.5f, 0.5f, 4)),
                new("dec.w", GradCheck.Random(97, -0.5f, 0.5f, 5, 2)), new("dec.b", GradCheck.Random(98, -0.5f, 0.5f, 5)),
                new("out.w", GradCheck.Random(99, -0.5f, 0.5f, 12, 5)), new("out.b", GradCheck.Random(100, -0.5f, 0.5f, 12)),
                new("out.logvar", GradCheck.Random(101, -0.5f, 0.5f, 4)),
            ];
        }

        public float[] Gradients() => _p.SelectMany(p => p.Grad!.Span.ToArray()).ToArray();

        /// <summary>One step on the first <paramref name="rows"/> rows; returns the loss.</summary>
        public float Step(int rows)
        {
            var t = _tape;
            t.Reset();
            foreach (var p in _p) p.Grad!.Clear();
            var x = t.Input(Rows(_x, rows));
            var h = t.Tanh(t.AddBias(t.MatMul(x, _p[0], transposeB: true), _p[1]));    // (batch, 6)
            var stats = t.AddBias(t.MatMul(h, _p[2], transposeB: true), _p[3]);      // (batch, 4)
            var mu = t.Slice(stats, 0, 2);                                            // (batch, 2)
            var lv = t.Clamp(t.Slice(stats, 2, 2), -6, 6);
            var kl = t.Scale(t.Sum(t.Sub(t.Sub(t.AddScalar(lv, 1), t.Square(mu)), t.Exp(lv)), 1), -0.5f); // (batch, 1)
            var logW1 = t.Scale(t.Add(Reconstruction(t, x, mu, lv, Rows(_eps1, rows)), kl), -1f);
            var logW2 = t.Scale(t.Add(Reconstruction(t, x, mu, lv, Rows(_eps2, rows)), kl), -1f);
            var iwae = t.Scale(t.Mean(t.AddScalar(t.LogSumExp(t.Concat(logW1, logW2), 1), -MathF.Log(2))), -1f);
            // The ops a VAE loss does not need here, on the latent statistics.
            var extra = t.Mean(t.Div(t.XLogX(t.Sigmoid(stats)), t.AddScalar(t.Exp(stats), 1)));
            extra = t.Add(extra, t.Mean(t.LogSumExp(stats, 0)));
            extra = t.Add(extra, t.Sum(t.Mean(t.Square(t.LeakyRelu(stats)), 0)));
            var loss = t.Add(iwae, t.Scale(extra, 0.01f));
            t.Backward(loss);
            return loss.Value.Span[0];
        }

        // Reconstruction NLL per row (batch, 1) of z = mu + e^(lv/2) eps through the decoder.
        private Node Reconstruction(Tape t, Node x, Node mu, Node lv, Tensor eps)
        {
            var z = t.Add(mu, t.Mul(t.Exp(t.Scale(lv, 0.5f)), t.Input(eps)));                          // (batch, 2)
            var d = t.Elu(t.AddBias(t.MatMul(z, _p[4], transposeB: true), _p[5]));                     // (batch, 5)
            var o = t.AddBias(t.MatMul(d, _p[6], transposeB: true), _p[7]);                            // (batch, 12)
            // Gaussian NLL with one log-variance per feature (broadcast), categorical cross-entropy per one-hot group.
            var residual = t.Sub(t.Slice(x, 0, 4), t.Slice(o, 0, 4));
            var weighted = t.Broadcast(BinaryOp.Mul, t.Square(residual), t.Exp(t.Scale(_p[8], -1f)));
            var gaussian = t.Scale(t.Broadcast(BinaryOp.Add, weighted, _p[8]), 0.5f);                 // (batch, 4)
            var group1 = t.Sub(t.LogSumExp(t.Slice(o, 4, 3), 1), t.Sum(t.Mul(t.Slice(x, 4, 3), t.Slice(o, 4, 3)), 1));
            var group2 = t.Sub(t.LogSumExp(t.Slice(o, 7, 3), 1), t.Sum(t.Mul(t.Slice(x, 7, 3), t.Slice(o, 7, 3)), 1));
            var categorical = t.Concat(group1, group2);                                              // (batch, 2)
            var binary = t.BceWithLogits(t.Slice(o, 10, 2), t.Slice(x, 10, 2));                        // (batch, 2)
            return t.Sum(t.Concat(gaussian, categorical, binary), 1);
        }

        // A view of the first rows; the tensor objects are cached per row count so steps do not allocate.
        private readonly Dictionary<(Tensor, int), Tensor> _views = [];

        private Tensor Rows(Tensor t, int rows)
        {
            if (!_views.TryGetValue((t, rows), out var view))
                _views[(t, rows)] = view = new Tensor(t.Buffer, t.Offset, rows, t.Shape[1]);
            return view;
        }
    }
}
