using MlNetVae.Backends;
using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Nn;
using MlNetVae.Engine.Randomness;
using MlNetVae.Graph;
using MlNetVae.Spec;
using NUnit.Framework;

namespace MlNetVae.Tests.Graph;

public class ElboTests
{
    /// <summary>A tiny mixed model (2 Bernoulli, a 3-slot category, 2 Gaussian with learned variance), Tanh so the loss is smooth.</summary>
    private static (VaeSpec Spec, StateDict State, float[] Rows) Tiny(float freeBits = 0)
    {
        float[] rows =
        [
            0.2f, 0.9f, 1f, 0f, 0f, 1.5f, -20f,
            0.7f, 0.1f, 0f, 0f, 1f, -0.5f, 10f,
            0.5f, 0.5f, 0f, 1f, 0f, 0.3f, 4f,
        ];
        var layout = new FeatureLayout([new(FeatureKind.Bernoulli, 0, 2), new(FeatureKind.Categorical, 2, 3), new(FeatureKind.Gaussian, 5, 2)]);
        var spec = VaeSpec.Resolve(new VaeOptions { EncoderHidden = [4], LatentSize = 2, Activation = Activation.Tanh, FreeBits = freeBits }, layout);
        var state = spec.Initialize(new FeatureStatistics(layout, [0, 0, 0, 0, 0, 0.4f, -2f], [1, 1, 1, 1, 1, 0.8f, 12f]), 5);
        state["likelihood.5.log_var"].Data[0] = 0.3f;
        state["likelihood.5.log_var"].Data[1] = -0.6f;
        return (spec, state, rows);
    }

    [TestCase(0.7f)]
    [TestCase(0f)]
    public void WholeLossGradientMatchesFiniteDifferencesOnATinyMixedModel(float klWeight)
    {
        var (spec, state, rows) = Tiny();
        var weights = new EngineWeights(spec, state, trainable: true);
        var tape = new Tape(new Compute(1));
        var ops = new TapeOps(tape, weights);
        var x = Tensor.FromArray(rows, 3, 7);
        var eps = new Tensor(3, 2);
        new Rng(9).FillNormal(eps.Span);
        float Loss()
        {
            tape.Reset();
            return Elbo.Record(ops, spec, tape.Input(x), tape.Input(eps), klWeight, 0f).Loss.Value.Span[0];
        }
        tape.Reset();
        weights.Parameters.ZeroGrad();
        tape.Backward(Elbo.Record(ops, spec, tape.Input(x), tape.Input(eps), klWeight, 0f).Loss);
        var analytic = weights.Parameters.Grads.ToArray();
        var values = weights.Parameters.Values;
        Assert.That(weights.Parameters.Parameters.Select(p => p.Name), Does.Contain("likelihood.5.log_var"), "the learned variance is trained");
        Assert.That(values.Length, Is.EqualTo(spec.Tensors.Where(t => t.Role == TensorRole.Parameter).Sum(t => t.Length)));
        const float h = 1e-2f;
        int checkedNonZero = 0;
        for (int i = 0; i < values.Length; i++)
        {
            float saved = values[i];
            values[i] = saved + h;
            double plus = Loss();
            values[i] = saved - h;
            double minus = Loss();
            values[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            if (Math.Abs(numeric) > 1e-3) checkedNonZero++;
            Assert.That(Math.Abs(analytic[i] - numeric) / Math.Max(1, Math.Abs(numeric)), Is.LessThan(3e-3),
                $"parameter element {i}: analytic {analytic[i]} vs numeric {numeric}");
        }
        Assert.That(checkedNonZero, Is.GreaterThan(values.Length / 2), "most gradients are not trivially zero");
    }

    [Test]
    public void TheLossIsTheMeanReconstructionPlusTheWeightedMeanKl()
    {
        var (spec, state, rows) = Tiny();
        var tape = new Tape(new Compute(1));
        var ops = new TapeOps(tape, new EngineWeights(spec, state, trainable: false));
        var eps = new Tensor(3, 2);
        var e = Elbo.Record(ops, spec, tape.Input(Tensor.FromArray(rows, 3, 7)), tape.Input(eps), 0.25f, 0f);
        // With eps = 0, z is the posterior mean: the reference's NLL and KL at the mean, row by row.
        var reference = new DoubleReference(new VaeModelParameters(spec, state));
        var expected = Enumerable.Range(0, 3).Select(r => reference.Row(rows.AsSpan(r * 7, 7))).ToArray();
        MlNetVae.Tests.Engine.Autodiff.Expect.Values(e.Reconstruction.Value, [3, 1], expected.Select(x => x.Nll).ToArray(), rel: 1e-5, abs: 1e-5);
        MlNetVae.Tests.Engine.Autodiff.Expect.Values(e.Kl.Value, [3, 1], expected.Select(x => x.Kl).ToArray(), rel: 1e-5, abs: 1e-6);
        double loss = expected.Average(x => x.Nll) + 0.25 * expected.Average(x => x.Kl);
        Assert.That(e.Loss.Value.Span[0], Is.EqualTo(loss).Within(1e-5 * loss));
    }

    [Test]
    public void FreeBitsFloorEachDimensionsKlAndStopItsGradient()
    {
        var rows = TestData.UnitRows(16, 6, 1);
        var layout = FeatureLayout.From(6, [], FeatureKind.Bernoulli);
        var spec = VaeSpec.Resolve(new VaeOptions { EncoderHidden = [8], LatentSize = 3 }, layout);
        var weights = new EngineWeights(spec, spec.Initialize(new FeatureStatistics(layout, new float[6], Enumerable.Repeat(1f, 6).ToArray()), 1), trainable: true);
        var tape = new Tape(new Compute(1));
        var ops = new TapeOps(tape, weights);
        var x = Tensor.FromArray(rows, 16, 6);
        var eps = new Tensor(16, 3);
        var e = Elbo.Record(ops, spec, tape.Input(x), tape.Input(eps), 1f, 0f);
        double recon = e.Reconstruction.Value.Span.ToArray().Average();
        double kl = e.Kl.Value.Span.ToArray().Average();
        Assert.That(e.Loss.Value.Span[0], Is.EqualTo(recon + kl).Within(1e-4));
        Assert.That(kl, Is.LessThan(3 * 5.0), "an untrained encoder is close to the prior");

        // With a 5-nat floor per dimension every dimension sits below it: the KL term is 3 * 5 and has no gradient.
        tape.Reset();
        weights.Parameters.ZeroGrad();
        var floored = Elbo.Record(ops, spec, tape.Input(x), tape.Input(eps), 1f, 5f);
        Assert.That(floored.Loss.Value.Span[0], Is.EqualTo(recon + 15).Within(1e-4));
        tape.Backward(floored.Loss);
        var withFloor = weights.Parameters.Grads.ToArray();
        tape.Reset();
        weights.Parameters.ZeroGrad();
        tape.Backward(Elbo.Record(ops, spec, tape.Input(x), tape.Input(eps), 0f, 0f).Loss);
        Assert.That(withFloor, Is.EqualTo(weights.Parameters.Grads.ToArray()).Within(1e-6f), "floored KL adds no gradient");

        // A floor below every dimension's KL changes nothing: the sum of the per-dimension batch means is the mean KL.
        tape.Reset();
        var low = Elbo.Record(ops, spec, tape.Input(x), tape.Input(eps), 1f, 1e-9f);
        Assert.That(low.Loss.Value.Span[0], Is.EqualTo(recon + kl).Within(1e-4));
    }
}
