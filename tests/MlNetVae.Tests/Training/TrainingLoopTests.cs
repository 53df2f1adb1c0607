using MlNetVae.Backends;
using MlNetVae.Spec;
using MlNetVae.Training;
using NUnit.Framework;

namespace MlNetVae.Tests.Training;

/// <summary>The one training loop's rules, checked exactly on a backend that only records and answers as scripted.</summary>
public class TrainingLoopTests
{
    /// <summary>2 Bernoulli features, 2 Gaussian, a 3-slot category.</summary>
    internal static readonly FeatureLayout Layout = new([new(FeatureKind.Bernoulli, 0, 2), new(FeatureKind.Gaussian, 2, 2), new(FeatureKind.Categorical, 4, 3)]);

    internal const int D = 7, K = 2;

    private static VaeSpec Spec(VaeOptions options) => VaeSpec.Resolve(options with { EncoderHidden = [4], LatentSize = K }, Layout);

    /// <summary>Row r: Bernoulli 0.3 and 0.8, Gaussian r + 0.5 (the row's id) and -r, category r mod 3.</summary>
    internal static float[] Rows(int count)
    {
        var rows = new float[count * D];
        for (int r = 0; r < count; r++)
        {
            var row = rows.AsSpan(r * D, D);
            (row[0], row[1], row[2], row[3]) = (0.3f, 0.8f, r + 0.5f, -r);
            row[4 + r % 3] = 1;
        }
        return rows;
    }

    internal static int Id(ReadOnlySpan<float> row) => (int)(row[2] - 0.5f);

    private static TrainingResult Run(ScriptedBackend backend, VaeOptions options, int count, CancellationToken token = default)
    {
        var rows = new RowsInMemory(Rows(count), count, D, options.ValidationFraction);
        return TrainingLoop.Run(backend, Spec(options), rows, null, token) with { ValidationRows = rows.HeldOut };
    }

    [Test]
    public void EachEpochTrainsOnEveryTrainingRowOnceInANewOrderAndNeverOnValidationRows()
    {
        var backend = new ScriptedBackend(D, K);
        var result = Run(backend, new VaeOptions { BatchSize = 8, Epochs = 3, ValidationFraction = 0.2f }, 50);
        Assert.That(result.ValidationRows, Has.Count.EqualTo(10));
        var validation = result.ValidationRows!.ToHashSet();
        var epochs = Enumerable.Range(0, 3).Select(e => backend.Batches.Skip(e * 5).Take(5).SelectMany(b => b.Chunk(D)).Select(r => Id(r)).ToArray()).ToArray();
        Assert.That(backend.Batches, Has.Count.EqualTo(15), "40 training rows in batches of 8: 5 steps per epoch");
        Assert.That(backend.Batches.Select(b => b.Length / D), Has.All.EqualTo(8));
        foreach (var ids in epochs)
            Assert.That(ids, Is.EquivalentTo(Enumerable.Range(0, 50).Where(i => !validation.Contains(i))));
        Assert.That(epochs[1], Is.Not.EqualTo(epochs[0]), "shuffled each epoch");
        Assert.That(backend.EvaluatedRows, Has.Count.EqualTo(3));
        Assert.That(backend.EvaluatedRows[0].Chunk(D).Select(r => Id(r)), Is.EquivalentTo(validation));
        Assert.That(backend.EvaluatedRows[2], Is.EqualTo(backend.EvaluatedRows[0]));
        Assert.That(backend.EvaluatedNoise[2], Is.EqualTo(backend.EvaluatedNoise[0]), "the same validation noise every epoch");
        Assert.That(backend.Noise[1], Is.Not.EqualTo(backend.Noise[0]), "fresh training noise every step");
        var all = backend.Noise.SelectMany(n => n).ToArray();
        double mean = all.Average(v => (double)v), variance = all.Average(v => (v - mean) * (v - mean));
        Assert.That((mean, variance), Is.EqualTo((0.0, 1.0)).Within(0.15), "N(0, 1) noise");
        Assert.That(result.History.Select(h => h.Epoch), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(result.History.Select(h => h.ValidationNegElbo), Has.All.EqualTo(1.0));
    }

    [Test]
    public void TheLastBatchIsShortAndASingleValidationRowIsKept()
    {
        var backend = new ScriptedBackend(D, K);
        var result = Run(backend, new VaeOptions { BatchSize = 8, Epochs = 1, ValidationFraction = 0.01f }, 20);
        Assert.That(result.ValidationRows, Has.Count.EqualTo(1), "a fraction of a row still holds one out");
        Assert.That(backend.Batches.Select(b => b.Length / D), Is.EqualTo(new[] { 8, 8, 3 }));
        Assert.That(() => Run(new ScriptedBackend(D, K), new VaeOptions { ValidationFraction = 0.5f }, 1), Throws.ArgumentException.With.Message.Contain("none for training"));
    }

    [Test]
    public void DynamicBinarizationResamplesBernoulliFeaturesOnly()
    {
        var backend = new ScriptedBackend(D, K);
        var data = Rows(64);
        Run(backend, new VaeOptions { BatchSize = 16, Epochs = 50, DynamicBinarization = true }, 64);
        long ones0 = 0, ones1 = 0, count = 0;
        foreach (var batch in backend.Batches)
            foreach (var row in batch.Chunk(D))
            {
                Assert.That(row[0] is 0f or 1f && row[1] is 0f or 1f, Is.True, "Bernoulli features become 0 or 1");
                Assert.That(row[2..], Is.EqualTo(data.AsSpan(Id(row) * D + 2, D - 2).ToArray()), "Gaussian and one-hot features are untouched");
                ones0 += (long)row[0];
                ones1 += (long)row[1];
                count++;
            }
        // Each value is 1 with probability equal to the feature: 0.3 and 0.8, within 4 standard errors.
        Assert.That(ones0 / (double)count, Is.EqualTo(0.3).Within(4 * Math.Sqrt(0.3 * 0.7 / count)));
        Assert.That(ones1 / (double)count, Is.EqualTo(0.8).Within(4 * Math.Sqrt(0.8 * 0.2 / count)));

        var plain = new ScriptedBackend(D, K);
        Run(plain, new VaeOptions { BatchSize = 16, Epochs = 1 }, 64);
        foreach (var row in plain.Batches.SelectMany(b => b.Chunk(D)))
            Assert.That(row, Is.EqualTo(data.AsSpan(Id(row) * D, D).ToArray()), "without it, rows go in as they are");
    }

    [Test]
    public void WarmupRampsTheKlWeightLinearlyToBetaOverTheSteps()
    {
        var backend = new ScriptedBackend(D, K);
        Run(backend, new VaeOptions { BatchSize = 10, Epochs = 4, Beta = 2f, WarmupEpochs = 2 }, 40);
        var expected = Enumerable.Range(0, 16).Select(i => 2f * Math.Min(1f, (i / 4 + i % 4 / 4f) / 2)).ToArray();
        Assert.That(backend.KlWeights, Is.EqualTo(expected).Within(1e-6f));
        Assert.That(backend.KlWeights[0], Is.EqualTo(0f));
        Assert.That(backend.KlWeights[8..], Has.All.EqualTo(2f));

        var o = new VaeOptions { Beta = 2f, WarmupEpochs = 4 };
        Assert.That(TrainingLoop.KlWeight(o, 1, 6, 10), Is.EqualTo(2f * 0.5f / 4).Within(1e-6));
        Assert.That(TrainingLoop.KlWeight(o, 3, 1, 10), Is.EqualTo(1f).Within(1e-6));
        Assert.That(TrainingLoop.KlWeight(o, 9, 3, 10), Is.EqualTo(2f));
        Assert.That(TrainingLoop.KlWeight(o with { WarmupEpochs = 0 }, 1, 1, 10), Is.EqualTo(2f));
    }

    [Test]
    public void TheLearningRateHoldsThenFallsAlongHalfACosineOverTheLastStepsAndZeroDecayKeepsItConstant()
    {
        // 4 epochs of 4 steps, the last quarter decaying: steps 0-11 (from 0) at 0.01, step 12 + i at 0.01 (1 + cos(pi i / 4)) / 2.
        var backend = new ScriptedBackend(D, K);
        Run(backend, new VaeOptions { BatchSize = 10, Epochs = 4, LearningRate = 0.01f, LearningRateDecay = 0.25f }, 40);
        var expected = Enumerable.Range(0, 16).Select(i => i < 12 ? 0.01f : (float)(0.01 * 0.5 * (1 + Math.Cos(Math.PI * (i - 12) / 4)))).ToArray();
        Assert.That(backend.LearningRates, Is.EqualTo(expected).Within(1e-9f));
        Assert.That(backend.LearningRates[14], Is.EqualTo(0.005f).Within(1e-9f), "halfway through the decay, half");
        Assert.That(backend.LearningRates[^1], Is.GreaterThan(0f).And.LessThan(0.0015f));

        // The whole run: from the full rate at the first step down along the whole cosine.
        var cosine = new ScriptedBackend(D, K);
        Run(cosine, new VaeOptions { BatchSize = 10, Epochs = 4, LearningRate = 0.01f, LearningRateDecay = 1f }, 40);
        Assert.That(cosine.LearningRates, Is.EqualTo(Enumerable.Range(0, 16).Select(i => (float)(0.01 * 0.5 * (1 + Math.Cos(Math.PI * i / 16))))).Within(1e-9f));
        Assert.That(cosine.LearningRates, Is.Ordered.Descending);

        var constant = new ScriptedBackend(D, K);
        Run(constant, new VaeOptions { BatchSize = 10, Epochs = 4, LearningRate = 0.01f, LearningRateDecay = 0f }, 40);
        Assert.That(constant.LearningRates, Has.Count.EqualTo(16).And.All.EqualTo(0.01f));

        // Early stopping ends the run inside its schedule: the rates are those of the full run's first epochs.
        Assert.That(TrainingLoop.LearningRate(new VaeOptions { Epochs = 10, LearningRate = 0.01f, LearningRateDecay = 0.1f }, 9, 100, 100), Is.EqualTo(0.01f));
        Assert.That(TrainingLoop.LearningRate(new VaeOptions { Epochs = 10, LearningRate = 0.01f, LearningRateDecay = 0.1f }, 10, 1, 100), Is.EqualTo(0.01f));
        Assert.That(TrainingLoop.LearningRate(new VaeOptions { Epochs = 10, LearningRate = 0.01f, LearningRateDecay = 0.1f }, 10, 51, 100), Is.EqualTo(0.005f).Within(1e-9f));

        // The last step of a very long run (10^5 epochs of 10^5 steps, all decaying) still moves: a positive rate, about lr (pi / 2T)^2.
        float last = TrainingLoop.LearningRate(new VaeOptions { Epochs = 100_000, LearningRate = 0.01f, LearningRateDecay = 1f }, 100_000, 100_000, 100_000);
        Assert.That(last, Is.GreaterThan(0f).And.EqualTo(0.01 * Math.Pow(Math.PI / 2 / 1e10, 2)).Within(1e-6 * 0.01 * Math.Pow(Math.PI / 2 / 1e10, 2)));
    }

    [Test]
    public void EarlyStoppingStopsAfterPatienceEpochsAndRestoresTheBestEpochsWeights()
    {
        double[] validation = [5, 4, 3, 3.5, 3.2, 3.0, 2.5, 2.0];
        var backend = new ScriptedBackend(D, K) { ValidationNegElbo = e => validation[e - 1] };
        var result = Run(backend, new VaeOptions { BatchSize = 10, Epochs = 8, ValidationFraction = 0.2f, Patience = 3 }, 50);
        Assert.That(result.StoppedEarly, Is.True);
        Assert.That(result.History, Has.Count.EqualTo(6), "epochs 4, 5 and 6 did not beat epoch 3's 3.0");
        Assert.That(result.BestEpoch, Is.EqualTo(3));
        Assert.That(backend.Loaded, Is.EqualTo(new[] { 3 }), "the weights saved after epoch 3 are loaded back");
        Assert.That(result.ValidationNegElbo, Is.EqualTo(3.0));

        // Finishing the planned epochs after a worse last epoch also restores the best.
        var late = new ScriptedBackend(D, K) { ValidationNegElbo = e => validation[e - 1] };
        var lateResult = Run(late, new VaeOptions { BatchSize = 10, Epochs = 4, ValidationFraction = 0.2f, Patience = 3 }, 50);
        Assert.That((lateResult.StoppedEarly, lateResult.BestEpoch, late.Loaded.Single()), Is.EqualTo((false, 3, 3)));

        // An improving last epoch needs no restore.
        var improving = new ScriptedBackend(D, K) { ValidationNegElbo = e => 10 - e };
        var improvingResult = Run(improving, new VaeOptions { BatchSize = 10, Epochs = 4, ValidationFraction = 0.2f, Patience = 2 }, 50);
        Assert.That((improvingResult.BestEpoch, improving.Loaded.Count), Is.EqualTo((4, 0)));
    }

    [Test]
    public void WithoutEarlyStoppingTheModelHoldsTheLastEpochAndSaysSo()
    {
        double[] validation = [5, 3, 4, 6];
        var backend = new ScriptedBackend(D, K) { ValidationNegElbo = e => validation[e - 1] };
        var result = Run(backend, new VaeOptions { BatchSize = 10, Epochs = 4, ValidationFraction = 0.2f }, 50);
        Assert.That(backend.Loaded, Is.Empty, "nothing is restored without patience");
        Assert.That(result.BestEpoch, Is.EqualTo(4), "BestEpoch is the epoch whose weights the model holds");
        Assert.That(result.ValidationNegElbo, Is.EqualTo(3.0));
    }

    [Test]
    public void ANonFiniteLossStopsTrainingNamingEpochStepAndASmallerLearningRate()
    {
        var backend = new ScriptedBackend(D, K) { StepsPerEpoch = 4, Loss = (epoch, step) => epoch == 3 && step == 2 ? float.NaN : 1f };
        var e = Assert.Throws<TrainingDivergedException>(() => Run(backend, new VaeOptions { BatchSize = 10, Epochs = 5, LearningRate = 2e-3f }, 40));
        Assert.That(e!.Message, Does.StartWith("training diverged at epoch 3, step 2: the loss is NaN (try a learning rate of 0.0002"));
        var infinite = new ScriptedBackend(D, K) { Loss = (_, _) => float.PositiveInfinity };
        Assert.That(() => Run(infinite, new VaeOptions { BatchSize = 10, Epochs = 1 }, 40), Throws.TypeOf<TrainingDivergedException>().With.Message.Contain("epoch 1, step 1: the loss is Infinity"));
    }

    [TestCase(10f, 2000f, true)]
    [TestCase(10f, 1009f, false)] // 100x the first loss but not 1000 nats above it
    [TestCase(1f, 500f, false)]
    [TestCase(-5000f, 600_000f, true)]
    [TestCase(-5000f, 400_000f, false)] // above first + 1000 but not 100 x |first|
    public void AnEpochMeanFarAboveTheFirstLossIsDivergence(float first, float later, bool diverges)
    {
        // Epoch 1: the first step's loss, then the rest of epoch 1 and epoch 2 at the later value.
        var backend = new ScriptedBackend(D, K) { StepsPerEpoch = 4, Loss = (epoch, step) => epoch == 1 && step == 1 ? first : later };
        TestDelegate run = () => Run(backend, new VaeOptions { BatchSize = 10, Epochs = 3, LearningRate = 0.5f }, 40);
        if (!diverges)
        {
            Assert.That(run, Throws.Nothing);
            return;
        }
        var e = Assert.Throws<TrainingDivergedException>(run);
        Assert.That(e!.Message, Does.Match(@"^training diverged at epoch [12]: the mean loss rose from .* to .* \(try a learning rate of 0\.05\)$"));
    }

    [Test]
    public void CancellationStopsBeforeTheNextStep()
    {
        using var cts = new CancellationTokenSource();
        var backend = new ScriptedBackend(D, K) { Loss = (_, _) => { cts.Cancel(); return 1f; } };
        Assert.Throws<OperationCanceledException>(() => Run(backend, new VaeOptions { BatchSize = 10, Epochs = 3 }, 40, cts.Token));
        Assert.That(backend.Batches, Has.Count.EqualTo(1));
    }
}
