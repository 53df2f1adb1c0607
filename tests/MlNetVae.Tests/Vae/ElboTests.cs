using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Randomness;
using MlNetVae.Vae;
using NUnit.Framework;

namespace MlNetVae.Tests.Vae;

public class ElboTests
{
    [Test]
    public void ClosedFormKlMatchesMonteCarlo()
    {
        float[] mu = [0.5f, -1.2f, 0f, 2f], lv = [-1f, 0.3f, 0f, -2.5f];
        var tape = new Tape(new Compute(1));
        var kl = Elbo.KlToStandardNormal(tape, tape.Input(Tensor.FromArray(mu, 1, 4)), tape.Input(Tensor.FromArray(lv, 1, 4))).Value.Span.ToArray();
        var rng = new Rng(3);
        var eps = new float[200_000];
        for (int j = 0; j < mu.Length; j++)
        {
            rng.FillNormal(eps);
            double sigma = Math.Exp(0.5 * lv[j]);
            // log q(z) - log p(z) at z = mu + sigma eps: -0.5 eps^2 - log sigma + 0.5 z^2
            var terms = eps.Select(e => { double z = mu[j] + sigma * e; return -0.5 * e * e - Math.Log(sigma) + 0.5 * z * z; }).ToArray();
            double mean = terms.Average();
            double se = Math.Sqrt(terms.Average(t => (t - mean) * (t - mean)) / terms.Length);
            Assert.That(kl[j], Is.EqualTo(mean).Within(4 * se + 1e-6), $"dimension {j}");
        }
    }

    [Test]
    public void WholeLossGradientMatchesFiniteDifferencesOnATinyMixedModel()
    {
        // Columns: 2 Bernoulli, a categorical group of 3, 2 Gaussian (learned variance).
        var rows = new[]
        {
            new[] { 0.2f, 0.9f, 1f, 0f, 0f, 1.5f, -20f },
            new[] { 0.7f, 0.1f, 0f, 0f, 1f, -0.5f, 10f },
            new[] { 0.5f, 0.5f, 0f, 1f, 0f, 0.3f, 4f },
        };
        var options = new VaeOptions { EncoderHidden = [4], LatentSize = 2, Activation = MlNetVae.Engine.Nn.Activation.Tanh, CategoricalGroups = [(2, 3)], Seed = 5 };
        var prep = Preprocessor.Fit(rows, options with { Likelihood = LikelihoodKind.Gaussian });
        // Make the first two columns Bernoulli, the last two Gaussian, whatever Fit chose for them.
        var kinds = prep.Kinds.ToArray();
        kinds[0] = kinds[1] = ColumnKind.Bernoulli;
        var mean = prep.Mean.ToArray();
        var scale = prep.Scale.ToArray();
        mean[0] = mean[1] = 0; scale[0] = scale[1] = 1;
        var model = new VaeModel(options, new Preprocessor(kinds, mean, scale, [(2, 3)]));
        Assert.That(model.Preprocessor.Segments.Select(s => s.Kind), Is.EqualTo(new[] { ColumnKind.Bernoulli, ColumnKind.Categorical, ColumnKind.Gaussian }));

        var x = Tensor.FromArray(model.ToModelUnits(rows), 3, 7);
        var eps = new Tensor(3, 2);
        new Rng(9).FillNormal(eps.Span);
        var tape = new Tape(new Compute(1));
        float Loss()
        {
            tape.Reset();
            return Elbo.Record(tape, model, tape.Input(x), tape.Input(eps), 0.7f, 0f).Loss.Value.Span[0];
        }
        tape.Reset();
        model.Parameters.ZeroGrad();
        tape.Backward(Elbo.Record(tape, model, tape.Input(x), tape.Input(eps), 0.7f, 0f).Loss);
        var analytic = model.Parameters.Grads.ToArray();
        var values = model.Parameters.Values;
        const float h = 1e-2f;
        for (int i = 0; i < values.Length; i++)
        {
            float saved = values[i];
            values[i] = saved + h; double plus = Loss();
            values[i] = saved - h; double minus = Loss();
            values[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            Assert.That(Math.Abs(analytic[i] - numeric) / Math.Max(1, Math.Abs(numeric)), Is.LessThan(3e-3),
                $"parameter element {i}: analytic {analytic[i]} vs numeric {numeric}");
        }
    }

    [Test]
    public void FreeBitsFloorEachDimensionsKlAndStopItsGradient()
    {
        var rows = TestData.UnitRows(16, 6, 1);
        var options = new VaeOptions { EncoderHidden = [8], LatentSize = 3, Likelihood = LikelihoodKind.Bernoulli };
        var model = new VaeModel(options, Preprocessor.Fit(rows, options));
        var x = Tensor.FromArray(model.ToModelUnits(rows), 16, 6);
        var eps = new Tensor(16, 3);
        var tape = new Tape(new Compute(1));
        var e = Elbo.Record(tape, model, tape.Input(x), tape.Input(eps), 1f, 0f);
        double recon = e.Reconstruction.Value.Span.ToArray().Average();
        double kl = e.Kl.Value.Span.ToArray().Average();
        Assert.That(e.Loss.Value.Span[0], Is.EqualTo(recon + kl).Within(1e-3));
        Assert.That(kl, Is.LessThan(3 * 5.0), "an untrained encoder is close to the prior");

        // With a 5-nat floor per dimension every dimension sits below it: the KL term is 3 * 5 and has no gradient.
        tape.Reset();
        model.Parameters.ZeroGrad();
        var floored = Elbo.Record(tape, model, tape.Input(x), tape.Input(eps), 1f, 5f);
        Assert.That(floored.Loss.Value.Span[0], Is.EqualTo(recon + 15).Within(1e-3));
        tape.Backward(floored.Loss);
        var withFloor = model.Parameters.Grads.ToArray();
        tape.Reset();
        model.Parameters.ZeroGrad();
        tape.Backward(Elbo.Record(tape, model, tape.Input(x), tape.Input(eps), 0f, 0f).Loss);
        Assert.That(withFloor, Is.EqualTo(model.Parameters.Grads.ToArray()).Within(1e-6f), "floored KL adds no gradient");
    }

    [Test]
    public void WarmupRampsTheKlWeightLinearlyToBeta()
    {
        var o = new VaeOptions { Beta = 2f, WarmupEpochs = 4 };
        Assert.That(VaeTrainer.KlWeight(o, 1, 1, 10), Is.EqualTo(0f));
        Assert.That(VaeTrainer.KlWeight(o, 1, 6, 10), Is.EqualTo(2f * 0.5f / 4).Within(1e-6));
        Assert.That(VaeTrainer.KlWeight(o, 3, 1, 10), Is.EqualTo(1f).Within(1e-6));
        Assert.That(VaeTrainer.KlWeight(o, 5, 1, 10), Is.EqualTo(2f));
        Assert.That(VaeTrainer.KlWeight(o, 9, 3, 10), Is.EqualTo(2f));
        Assert.That(VaeTrainer.KlWeight(o with { WarmupEpochs = 0 }, 1, 1, 10), Is.EqualTo(2f));
    }
}
