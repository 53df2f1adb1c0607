using MlNetVae.Backends;
using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Randomness;
using MlNetVae.Graph;
using MlNetVae.Spec;
using MlNetVae.Tests.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Graph;

/// <summary>
/// The managed formulas (one definition over <see cref="IOps{T}"/>, run through <see cref="TapeOps"/>) against the
/// double-precision reference on hand-picked decoder outputs and targets, saturated and extreme ones included.
/// </summary>
public class LikelihoodTests
{
    /// <summary>3 Bernoulli features, 2 Gaussian, a 3-slot category.</summary>
    private static readonly FeatureLayout Layout = new([new(FeatureKind.Bernoulli, 0, 3), new(FeatureKind.Gaussian, 3, 2), new(FeatureKind.Categorical, 5, 3)]);

    // Decoder outputs [rows, 8]: logits up to +-1e4, Gaussian means far from their targets, category logits 1e4 apart.
    private static readonly float[] Output =
    [
        0f, 2f, -3f, 0.5f, -1f, 0f, 1f, 2f,
        40f, -40f, 1e4f, 3f, 100f, 1e4f, 0f, -1e4f,
        -1e4f, 1e4f, 0.1f, -7f, 0.25f, -5f, 5f, 0f,
        7f, -0.5f, 15f, 0f, 0f, 30f, 30f, 30f,
        -20f, 20f, 1e-3f, 1e3f, -1e3f, 0f, 0f, 1e-4f,
    ];

    // Targets: Bernoulli values at 0, 1 and between; Gaussian values; one-hot slots (the last row's is soft).
    private static readonly float[] Target =
    [
        0.5f, 1f, 0f, 0.2f, -0.3f, 1f, 0f, 0f,
        1f, 0f, 1f, -3f, 5f, 0f, 0f, 1f,
        0f, 1f, 0.999f, 2f, 0.25f, 0f, 1f, 0f,
        0.001f, 0.3f, 1f, 0f, 0f, 0f, 0f, 1f,
        1f, 0f, 0.5f, -1e3f, 1e3f, 0.2f, 0.8f, 0f,
    ];

    private const int Rows = 5, D = 8;

    private static (VaeSpec Spec, VaeModelParameters Model) Model(bool learnVariance)
    {
        var spec = VaeSpec.Resolve(new VaeOptions { EncoderHidden = [4], LatentSize = 2, LearnGaussianVariance = learnVariance }, Layout);
        var state = spec.Initialize(new FeatureStatistics(Layout, new float[D], Enumerable.Repeat(1f, D).ToArray()), 1);
        state["likelihood.3.log_var"].Data[0] = -2.5f;
        state["likelihood.3.log_var"].Data[1] = 1.75f;
        return (spec, new VaeModelParameters(spec, state));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void NllAndDivergenceOfEveryBlockMatchTheDoubleReference(bool learnVariance)
    {
        var (spec, model) = Model(learnVariance);
        var reference = new DoubleReference(model);
        var tape = new Tape(new Compute(1));
        var ops = new TapeOps(tape, new EngineWeights(spec, model.State, trainable: learnVariance));
        var output = tape.Input(Tensor.FromArray(Output, Rows, D));
        var target = tape.Input(Tensor.FromArray(Target, Rows, D));
        var nll = Likelihood.Nll(ops, spec, output, target).Value;
        var divergence = Likelihood.Divergence(ops, spec, output, target).Value;
        var expected = Enumerable.Range(0, Rows).Select(r => reference.Terms(Doubles(Output, r), Doubles(Target, r))).ToArray();
        Assert.That(expected.Select(e => e.Divergence), Has.All.GreaterThanOrEqualTo(0), "the reference's floor is the least NLL");
        Assert.That(expected.Max(e => e.Nll), Is.GreaterThan(1e4), "the rows reach the extreme logits");
        Expect.Values(nll, [Rows, 1], expected.Select(e => e.Nll).ToArray(), rel: 2e-6, abs: 2e-5);
        Expect.Values(divergence, [Rows, 1], expected.Select(e => e.Divergence).ToArray(), rel: 2e-6, abs: 2e-5);
    }

    [Test]
    public void EachBlockAloneMatchesTheReference()
    {
        // One block per model: SumBlocks' single-block path (no column slices) against the same reference.
        foreach (var (kind, length, offset) in new[] { (FeatureKind.Bernoulli, 3, 0), (FeatureKind.Gaussian, 2, 3), (FeatureKind.Categorical, 3, 5) })
        {
            var layout = new FeatureLayout([new(kind, 0, length)]);
            var spec = VaeSpec.Resolve(new VaeOptions { EncoderHidden = [4], LatentSize = 2, GaussianLogVariance = 0.5f }, layout);
            var model = new VaeModelParameters(spec, spec.Initialize(new FeatureStatistics(layout, new float[length], Enumerable.Repeat(1f, length).ToArray()), 1));
            var output = Columns(Output, offset, length);
            var target = Columns(Target, offset, length);
            var tape = new Tape(new Compute(1));
            var ops = new TapeOps(tape, new EngineWeights(spec, model.State, trainable: false));
            var o = tape.Input(Tensor.FromArray(output, Rows, length));
            var t = tape.Input(Tensor.FromArray(target, Rows, length));
            var reference = new DoubleReference(model);
            var expected = Enumerable.Range(0, Rows).Select(r => reference.Terms(Row(output, length, r), Row(target, length, r))).ToArray();
            Expect.Values(Likelihood.Nll(ops, spec, o, t).Value, [Rows, 1], expected.Select(e => e.Nll).ToArray(), rel: 2e-6, abs: 2e-5);
            Expect.Values(Likelihood.Divergence(ops, spec, o, t).Value, [Rows, 1], expected.Select(e => e.Divergence).ToArray(), rel: 2e-6, abs: 2e-5);
        }
    }

    [Test]
    public void TheLikelihoodsMeanIsSigmoidIdentityAndSoftmax()
    {
        var (spec, model) = Model(true);
        var reference = new DoubleReference(model);
        var tape = new Tape(new Compute(1));
        var ops = new TapeOps(tape, new EngineWeights(spec, model.State, trainable: false));
        var mean = Network.Mean(ops, spec, tape.Input(Tensor.FromArray(Output, Rows, D))).Value;
        var expected = Enumerable.Range(0, Rows).SelectMany(r => reference.LikelihoodMean(Doubles(Output, r))).ToArray();
        Expect.Values(mean, [Rows, D], expected, rel: 1e-6, abs: 1e-7);
    }

    [Test]
    public void ClosedFormKlMatchesTheReferenceAndMonteCarlo()
    {
        float[] mu = [0.5f, -1.2f, 0f, 2f, 0f, -30f], lv = [-1f, 0.3f, 0f, -2.5f, 15f, -15f];
        var tape = new Tape(new Compute(1));
        var ops = new TapeOps(tape, null!);
        var elements = Kl.Elements(ops, tape.Input(Tensor.FromArray(mu, 1, 6)), tape.Input(Tensor.FromArray(lv, 1, 6))).Value;
        var expected = mu.Select((m, j) => 0.5 * (Math.Exp(lv[j]) + m * (double)m - 1 - lv[j])).ToArray();
        Expect.Values(elements, [1, 6], expected, rel: 1e-6, abs: 1e-6);
        var perRow = Kl.PerRow(ops, tape.Input(Tensor.FromArray(mu, 1, 6)), tape.Input(Tensor.FromArray(lv, 1, 6))).Value;
        Expect.Values(perRow, [1, 1], [expected.Sum()], rel: 1e-6);

        // E_q[log q(z) - log p(z)] by sampling, for the first four dimensions.
        var rng = new Rng(3);
        var eps = new float[200_000];
        for (int j = 0; j < 4; j++)
        {
            rng.FillNormal(eps);
            double sigma = Math.Exp(0.5 * lv[j]);
            var terms = eps.Select(e => { double z = mu[j] + sigma * e; return -0.5 * e * e - Math.Log(sigma) + 0.5 * z * z; }).ToArray();
            double mean = terms.Average();
            double se = Math.Sqrt(terms.Average(t => (t - mean) * (t - mean)) / terms.Length);
            Assert.That(elements.Span[j], Is.EqualTo(mean).Within(4 * se + 1e-6), $"dimension {j}");
        }
    }

    private static double[] Doubles(float[] flat, int r) => flat.AsSpan(r * D, D).ToArray().Select(v => (double)v).ToArray();

    private static double[] Row(float[] flat, int width, int r) => flat.AsSpan(r * width, width).ToArray().Select(v => (double)v).ToArray();

    private static float[] Columns(float[] flat, int start, int length) =>
        Enumerable.Range(0, Rows).SelectMany(r => flat.AsSpan(r * D + start, length).ToArray()).ToArray();
}
