using MlNetVae.Engine.Randomness;
using MlNetVae.Graph;
using MlNetVae.Inference;
using MlNetVae.Spec;
using MlNetVae.Tests.Graph;
using MlNetVae.Training;
using NUnit.Framework;

namespace MlNetVae.Tests.Inference;

public class VaeInferenceTests
{
    [TestCase(ModelKind.Bernoulli)]
    [TestCase(ModelKind.Gaussian)]
    [TestCase(ModelKind.Mixed)]
    public void EncodeDecodeReconstructAndTheElboAtTheMeanMatchTheReference(ModelKind kind)
    {
        var (model, all) = TestModels.Get(kind, trained: true);
        int d = model.Features, k = model.LatentSize, n = 40;
        var rows = TestData.Take(all, d, 0, n);
        var inference = new VaeInference(model, threads: 1);
        var reference = new DoubleReference(model);
        var expected = Enumerable.Range(0, n).Select(r => reference.Row(rows.AsSpan(r * d, d))).ToArray();
        var scale = model.State[VaeSpec.InputScale].Data;

        var (mean, logVar) = inference.Encode(rows);
        var reconstruction = inference.Reconstruct(rows);
        var (nll, kl) = inference.Elbo(rows);
        var decoded = inference.Decode(mean);
        for (int r = 0; r < n; r++)
        {
            for (int i = 0; i < k; i++)
            {
                Assert.That(mean[r * k + i], Is.EqualTo(expected[r].Mean[i]).Within(1e-4 * Math.Abs(expected[r].Mean[i]) + 1e-5));
                Assert.That(logVar[r * k + i], Is.EqualTo(expected[r].LogVar[i]).Within(1e-4 * Math.Abs(expected[r].LogVar[i]) + 1e-5));
            }
            var fromMean = reference.DecodeToRaw(mean.AsSpan(r * k, k).ToArray().Select(v => (double)v).ToArray());
            for (int j = 0; j < d; j++)
            {
                Assert.That(reconstruction[r * d + j], Is.EqualTo(expected[r].Reconstruction[j]).Within(1e-4 * Math.Abs(expected[r].Reconstruction[j]) + 1e-5 * scale[j]));
                Assert.That(decoded[r * d + j], Is.EqualTo(fromMean[j]).Within(1e-5 * Math.Abs(fromMean[j]) + 1e-5 * scale[j]), "decode of the posterior mean");
            }
            Assert.That(nll[r], Is.EqualTo(expected[r].Nll).Within(2e-4 * Math.Abs(expected[r].Nll) + 1e-4), $"-log p(x|z = mean), row {r}");
            Assert.That(kl[r], Is.EqualTo(expected[r].Kl).Within(1e-4 * expected[r].Kl + 1e-5), $"KL, row {r}");
        }
    }

    [Test]
    public void GenerateDecodesPriorDrawsIntoValuesOfEachLikelihood()
    {
        var (model, _) = TestModels.Get(ModelKind.Mixed, trained: true);
        var inference = new VaeInference(model, threads: 1);
        var generated = inference.Generate(600, seed: 4);
        var z = new float[600 * model.LatentSize];
        new Rng(4).FillNormal(z);
        Assert.That(generated, Is.EqualTo(inference.Decode(z)), "decoded draws of N(0, I) from the seed");
        Assert.That(inference.Generate(600, seed: 5), Is.Not.EqualTo(generated));
        for (int r = 0; r < 600; r++)
        {
            var row = generated.AsSpan(r * 14, 14).ToArray();
            Assert.That(row[..5], Has.All.InRange(0f, 1f), "Bernoulli means");
            Assert.That(row[9] + row[10] + row[11], Is.EqualTo(1f).Within(1e-5f), "softmax over the 3-slot group");
            Assert.That(row[12] + row[13], Is.EqualTo(1f).Within(1e-5f), "softmax over the 2-slot group");
        }
        Assert.That(inference.Generate(0, 1), Is.Empty);
    }

    [Test]
    public void SampledElboIsSeededAndCostsMoreThanTheMeanOnAverage()
    {
        var (model, all) = TestModels.Get(ModelKind.Gaussian, trained: true);
        var rows = TestData.Take(all, 8, 0, 50);
        var inference = new VaeInference(model, threads: 1);
        var a = inference.Elbo(rows, samples: 4, seed: 2);
        Assert.That(inference.Elbo(rows, samples: 4, seed: 2).Reconstruction, Is.EqualTo(a.Reconstruction), "same seed, same draws");
        Assert.That(inference.Elbo(rows, samples: 4, seed: 3).Reconstruction, Is.Not.EqualTo(a.Reconstruction));
        Assert.That(a.Kl, Is.EqualTo(inference.Elbo(rows).Kl), "the KL is closed form, whatever the draws");
        // With e^logVar shrinking to 0 the draws would sit at the mean: here, on average over many draws, sampling costs more
        // than decoding the mean (the decoder is smooth and the reconstruction term convex near its optimum).
        double atMean = inference.Elbo(rows).Reconstruction.Average(), sampled = inference.Elbo(rows, samples: 200).Reconstruction.Average();
        Assert.That(sampled, Is.GreaterThan(atMean));
    }

    [Test]
    public void IwaeTightensAsKGrowsAndStartsAtTheNegativeElbo()
    {
        // Trained long enough for the posterior to be informative: the gaps between the bounds are then clear. At a constant
        // rate: with the late decay these 6 epochs end where the bounds at K = 5, 50 and 500 differ by less than their sampling noise.
        var all = TestData.UnitRows(400, 16, 11);
        var (model, _) = VaeTrainer.Train(all, 16, new VaeOptions
        {
            EncoderHidden = [32], LatentSize = 3, BatchSize = 32, Epochs = 6, LearningRate = 3e-3f, LearningRateDecay = 0, Threads = 1,
            Backend = TrainingBackends.Managed,
        });
        var rows = TestData.Take(all, 16, 0, 100);
        var inference = new VaeInference(model, threads: 1);
        var (r, kl) = inference.Elbo(rows, samples: 200);
        double negElbo = r.Zip(kl, (a, b) => a + b).Average();
        var iwae = new[] { 1, 5, 50, 500 }.Select(k => inference.IwaeNll(rows, k).Average()).ToArray();
        TestContext.Out.WriteLine($"-ELBO {negElbo:F4}; IWAE K=1,5,50,500: {string.Join(", ", iwae.Select(v => v.ToString("F4")))}");
        Assert.That(iwae[0], Is.EqualTo(negElbo).Within(0.02 * Math.Abs(negElbo)), "K = 1 is the sampled -ELBO");
        for (int i = 1; i < iwae.Length; i++) Assert.That(iwae[i], Is.LessThan(iwae[i - 1]), $"K step {i}");
        Assert.That(iwae[^1], Is.LessThan(negElbo));
        Assert.That(() => inference.IwaeNll(rows, 0), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void NaivePriorSamplingAgreesWithIwaeWhenTheDecoderIgnoresZ()
    {
        // An untrained decoder barely depends on z: p(x|z) is nearly constant, so both estimates of -log p(x) agree.
        var (model, all) = TestModels.Get(ModelKind.Bernoulli, trained: false);
        var rows = TestData.Take(all, 12, 0, 30);
        var inference = new VaeInference(model, threads: 1);
        var naive = inference.NaivePriorNll(rows, 500);
        var iwae = inference.IwaeNll(rows, 500);
        for (int i = 0; i < 30; i++) Assert.That(naive[i], Is.EqualTo(iwae[i]).Within(0.01 * Math.Abs(iwae[i])), $"row {i}");
        Assert.That(inference.NaivePriorNll(rows, 5, seed: 2), Is.EqualTo(inference.NaivePriorNll(rows, 5, seed: 2)));
    }

    [Test]
    public void ChunksOfFiveHundredTwelveRowsGiveTheSameNumbersAsSmallerCalls()
    {
        var (model, all) = TestModels.Get(ModelKind.Mixed, trained: true);
        Assert.That(all.Length / 14, Is.GreaterThan(ForwardPass.ChunkRows), "the rows span two chunks");
        var scorer = new AnomalyScorer(model, threads: 1);
        var whole = scorer.Score(all);
        var tail = scorer.Score(TestData.Take(all, 14, 500, 500));
        var one = scorer.Score(TestData.Take(all, 14, 700, 1));
        for (int i = 0; i < 500; i++) Assert.That(tail[i], Is.EqualTo(whole[500 + i]).Within(1e-6 * Math.Abs(whole[500 + i])), $"row {500 + i}");
        Assert.That(one[0], Is.EqualTo(whole[700]).Within(1e-6 * Math.Abs(whole[700])));
    }

    [Test]
    public void ScoringIsThreadSafe()
    {
        var (model, all) = TestModels.Get(ModelKind.Gaussian, trained: true);
        var scorer = new AnomalyScorer(model, threads: 1);
        var expected = scorer.Score(all);
        var results = new double[4][];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = scorer.Score(all));
        foreach (var r in results) Assert.That(r, Is.EqualTo(expected));
    }

    [Test]
    public void DiagnoseCountsActiveUnitsAndItsKlAddsUpToTheMeanKl()
    {
        var (model, all) = TestModels.Get(ModelKind.Bernoulli, trained: true);
        var inference = new VaeInference(model, threads: 1);
        var d = inference.Diagnose(all);
        Assert.That(d.ActiveUnits, Is.InRange(1, 3));
        Assert.That(d.ActiveUnits, Is.EqualTo(d.PosteriorMeanVariance.Count(v => v > LatentDiagnostics.ActiveVariance)));
        Assert.That(d.KlPerDimension.Sum(), Is.EqualTo(inference.Elbo(all).Kl.Average()).Within(1e-4));
        Assert.That(d.Warning, Is.Null);
        Assert.That(() => inference.Diagnose(TestData.Take(all, 12, 0, 1)), Throws.ArgumentException);
    }

    [Test]
    public void ACollapsedPosteriorIsReported()
    {
        // beta = 50 pushes q(z|x) onto the prior: no unit carries information.
        var rows = TestData.UnitRows(300, 10, 12);
        var (model, _) = VaeTrainer.Train(rows, 10, new VaeOptions
        {
            EncoderHidden = [16], LatentSize = 4, Beta = 50f, Epochs = 10, BatchSize = 32, LearningRate = 3e-3f, Threads = 1, Backend = TrainingBackends.Managed,
        });
        var d = new VaeInference(model, threads: 1).Diagnose(rows);
        Assert.That(d.ActiveUnits, Is.EqualTo(0));
        Assert.That(d.Warning, Does.Contain("posterior collapse").And.Contain("none of the 4 latent dimensions"));
    }

    [Test]
    public void BadRowsAreNamedByRowAndFeature()
    {
        var (model, all) = TestModels.Get(ModelKind.Bernoulli, trained: false);
        var inference = new VaeInference(model, threads: 1);
        var scorer = new AnomalyScorer(model, threads: 1);
        var rows = TestData.Take(all, 12, 0, 3);
        Assert.That(() => inference.Encode(rows.AsSpan(0, 30).ToArray()), Throws.ArgumentException.With.Message.Contain("30 values are not whole rows of 12 features"));
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var copy = rows.ToArray();
            copy[2 * 12 + 4] = bad;
            Assert.That(() => inference.Encode(copy), Throws.ArgumentException.With.Message.Contain("row 2, feature 4: expected a finite number"));
            Assert.That(() => scorer.Score(copy), Throws.ArgumentException.With.Message.Contain("row 2, feature 4"));
            Assert.That(() => inference.Reconstruct(copy), Throws.ArgumentException);
            Assert.That(() => inference.IwaeNll(copy, 2), Throws.ArgumentException);
        }
        Assert.That(() => inference.Decode(new float[7]), Throws.ArgumentException.With.Message.Contain("latent rows"));
    }
}
