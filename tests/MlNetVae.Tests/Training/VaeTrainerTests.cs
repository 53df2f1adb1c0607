using MlNetVae.Backends;
using MlNetVae.Inference;
using MlNetVae.Spec;
using MlNetVae.Tests.Graph;
using MlNetVae.Training;
using NUnit.Framework;

namespace MlNetVae.Tests.Training;

/// <summary>The managed backend through the whole trainer: it learns, deterministically, without allocating, and stops when it diverges.</summary>
public class VaeTrainerTests
{
    private static readonly VaeOptions Small = new()
    {
        EncoderHidden = [32], LatentSize = 2, BatchSize = 32, Epochs = 8, LearningRate = 3e-3f, Seed = 7, Threads = 1, Backend = TrainingBackends.Managed,
    };

    [Test]
    public void BernoulliTrainingLowersTheNegativeElboWellBelowTheIndependentBaseline()
    {
        var rows = TestData.UnitRows(512, 20, 1);
        var (model, result) = VaeTrainer.Train(rows, 20, Small);
        Assert.That(model.Spec.Layout.Kinds(), Has.All.EqualTo(FeatureKind.Bernoulli), "Auto picks Bernoulli for [0, 1] data");
        Assert.That(result.Backend, Is.EqualTo("managed"));
        // Baseline: every feature independent with its own mean (the best model that ignores structure).
        double baseline = 0;
        for (int j = 0; j < 20; j++)
        {
            double p = Enumerable.Range(0, 512).Average(r => rows[r * 20 + j]);
            baseline += Enumerable.Range(0, 512).Average(r => -(rows[r * 20 + j] * Math.Log(p) + (1 - rows[r * 20 + j]) * Math.Log(1 - p)));
        }
        var (nll, kl) = new VaeInference(model, 1).Elbo(rows);
        double negElbo = nll.Zip(kl, (a, b) => a + b).Average();
        TestContext.Out.WriteLine($"epoch 1 {result.History[0].NegElbo:F3}, last {result.TrainNegElbo:F3}, at the mean {negElbo:F3}, baseline {baseline:F3}");
        Assert.That(result.History[^1].NegElbo, Is.LessThan(result.History[0].NegElbo));
        Assert.That(negElbo, Is.LessThan(baseline - 1.0));
    }

    [Test]
    public void GaussianTrainingStandardizesAndLearnsStructureAcrossScales()
    {
        var rows = TestData.GaussianRows(1024, 8, 2);
        var (model, _) = VaeTrainer.Train(rows, 8, Small with { Epochs = 15 });
        Assert.That(model.Spec.Layout.Kinds(), Has.All.EqualTo(FeatureKind.Gaussian), "Auto picks Gaussian for real data");
        var scale = model.State[VaeSpec.InputScale].Data;
        Assert.That(scale[3], Is.GreaterThan(100 * scale[0]));
        // A unit-variance independent Gaussian on standardized data costs 0.5 log(2 pi e) = 1.419 nats per feature.
        double independent = 8 * 0.5 * Math.Log(2 * Math.PI * Math.E);
        var inference = new VaeInference(model, 1);
        var (nll, kl) = inference.Elbo(rows);
        double negElbo = nll.Zip(kl, (a, b) => a + b).Average();
        TestContext.Out.WriteLine($"-ELBO {negElbo:F3} vs independent {independent:F3}");
        Assert.That(negElbo, Is.LessThan(independent - 4));
        // Reconstructions come back in raw units, close to the rows (2 factors explain them up to small noise).
        var recon = inference.Reconstruct(rows.AsSpan(0, 50 * 8));
        double error = Enumerable.Range(0, 50 * 8).Average(i => Math.Abs(recon[i] - rows[i]) / scale[i % 8]);
        Assert.That(error, Is.LessThan(0.5), "mean absolute reconstruction error in standard deviations");
    }

    [Test]
    public void AFixedGaussianVarianceStaysFixedAndALearnedOneMoves()
    {
        var rows = TestData.GaussianRows(256, 4, 3);
        var (fixedModel, _) = VaeTrainer.Train(rows, 4, Small with { Epochs = 2, LearnGaussianVariance = false, GaussianLogVariance = -1f });
        Assert.That(fixedModel.State["likelihood.0.log_var"].Data, Has.All.EqualTo(-1f));
        var (learned, _) = VaeTrainer.Train(rows, 4, Small with { Epochs = 2, GaussianLogVariance = -1f });
        Assert.That(learned.State["likelihood.0.log_var"].Data, Has.All.Not.EqualTo(-1f));
    }

    [Test]
    public void CategoricalGroupsAreReconstructedAsProbabilities()
    {
        // Feature 0 is real; features 1..3 are a one-hot category that follows feature 0.
        var rng = new Random(4);
        var rows = new float[600 * 4];
        for (int r = 0; r < 600; r++)
        {
            float v = (float)(rng.NextDouble() * 6 - 3);
            rows[r * 4] = v;
            rows[r * 4 + 1 + (v < -1 ? 0 : v < 1 ? 1 : 2)] = 1;
        }
        var (model, _) = VaeTrainer.Train(rows, 4, Small with { Epochs = 20, CategoricalGroups = [(1, 3)] });
        Assert.That(model.Spec.Layout.Blocks.Select(b => b.Kind), Is.EqualTo(new[] { FeatureKind.Gaussian, FeatureKind.Categorical }));
        var recon = new VaeInference(model, 1).Reconstruct(rows);
        int right = 0;
        for (int r = 0; r < 600; r++)
        {
            var p = recon.AsSpan(r * 4 + 1, 3).ToArray();
            Assert.That(p.Sum(), Is.EqualTo(1f).Within(1e-5f), "softmax over the group");
            if (rows[r * 4 + 1 + Array.IndexOf(p, p.Max())] == 1) right++;
        }
        Assert.That(right / 600.0, Is.GreaterThan(0.9));
    }

    [Test]
    public void SameSeedGivesIdenticalWeightsAtOneAndTwoThreads()
    {
        var rows = TestData.UnitRows(300, 12, 5);
        var o = Small with { Epochs = 2, DynamicBinarization = true, ValidationFraction = 0.2f, Patience = 1, EncoderHidden = [64, 32] };
        float[] Weights(VaeOptions options)
        {
            var state = VaeTrainer.Train(rows, 12, options).Model.State;
            return state.Names.SelectMany(n => state[n].Data).ToArray();
        }
        var a = Weights(o with { Threads = 2 });
        Assert.That(Weights(o with { Threads = 2 }), Is.EqualTo(a), "same seed, same threads");
        Assert.That(Weights(o with { Threads = 1 }), Is.EqualTo(a), "the thread count does not change the arithmetic");
        Assert.That(Weights(o with { Threads = 2, Seed = 8 }), Is.Not.EqualTo(a));
    }

    [TestCase(1)]
    [TestCase(2)]
    public void TheSteadyStateTrainingStepAllocatesNothing(int threads)
    {
        var rows = TestData.UnitRows(2048, 64, 9);
        long thread20 = 0, thread40 = 0, process20 = 0, process40 = 0;
        VaeTrainer.Train(rows, 64, Small with { EncoderHidden = [64], LatentSize = 8, Epochs = 2, Threads = threads }, new Inline(p =>
        {
            if (p.Epoch != 2) return;
            if (p.Step == 20) (thread20, process20) = (GC.GetAllocatedBytesForCurrentThread(), GC.GetTotalAllocatedBytes(precise: true));
            if (p.Step == 40) (thread40, process40) = (GC.GetAllocatedBytesForCurrentThread(), GC.GetTotalAllocatedBytes(precise: true));
        }));
        // Between the two reports: 20 training steps and the one progress record the second report carries. The
        // training thread is counted exactly; the process-wide count (printed, not asserted) also sees the test host's
        // background allocations, which grow with wall time under load.
        long before = GC.GetAllocatedBytesForCurrentThread();
        var record = new TrainingProgress(2, 2, 40, 64, 1, 1, 1, null, 1, TimeSpan.Zero);
        long progressRecord = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(record);
        TestContext.Out.WriteLine($"20 steps + 1 progress report ({progressRecord} bytes): training thread {thread40 - thread20} bytes, whole process {process40 - process20} bytes");
        Assert.That(thread20, Is.Not.Zero, "the reports arrived");
        Assert.That(thread40 - thread20, Is.LessThanOrEqualTo(progressRecord));
    }

    [Test]
    public void ALearningRateOfTenDivergesNamingTheEpochAndASmallerRate()
    {
        var rows = TestData.GaussianRows(64, 4, 7);
        var e = Assert.Throws<TrainingDivergedException>(() => VaeTrainer.Train(rows, 4, Small with { LearningRate = 10f, Epochs = 50, BatchSize = 16 }));
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.Match(@"^training diverged at epoch \d+").And.Contain("try a learning rate of 1"));
    }

    [Test]
    public void EarlyStoppingLeavesTheModelWithTheBestEpochsWeights()
    {
        // Few rows, a wide network and a high learning rate: validation gets worse after a few epochs.
        var rows = TestData.UnitRows(60, 30, 6);
        var options = Small with { EncoderHidden = [256], LatentSize = 8, LearningRate = 2e-2f, Epochs = 60, ValidationFraction = 0.5f, Patience = 3, BatchSize = 10 };
        var stats = FeatureStatistics.Fit(rows, 30, options);
        var spec = VaeSpec.Resolve(options, stats.Layout);
        using var backend = new Snapshots(new ManagedBackend(spec, spec.Initialize(stats, spec.Options.Seed!.Value), options));
        var result = TrainingLoop.Run(backend, spec, new RowsInMemory(rows, 60, 30, options.ValidationFraction), null, default);
        TestContext.Out.WriteLine(string.Join(" ", result.History.Select(h => $"{h.Epoch}:{h.ValidationNegElbo:F2}")));
        Assert.That(result.StoppedEarly, Is.True);
        Assert.That(result.BestEpoch, Is.EqualTo(result.History.MinBy(h => h.ValidationNegElbo)!.Epoch));
        Assert.That(result.History[^1].Epoch - result.BestEpoch, Is.EqualTo(3));
        var kept = backend.State();
        var best = backend.ByEpoch[result.BestEpoch];
        foreach (var name in kept.Names) Assert.That(kept[name].Data, Is.EqualTo(best[name].Data), name);
        Assert.That(backend.ByEpoch[result.History[^1].Epoch]["decoder.2.weight"].Data, Is.Not.EqualTo(kept["decoder.2.weight"].Data), "the last epoch's weights were replaced");
    }

    [Test]
    public void NonFiniteTrainingValuesAreNamedByRowAndFeature()
    {
        foreach (var (bad, likelihood) in new[] { (float.NaN, LikelihoodKind.Auto), (float.PositiveInfinity, LikelihoodKind.Gaussian), (float.NegativeInfinity, LikelihoodKind.Gaussian), (float.NaN, LikelihoodKind.Bernoulli) })
        {
            var rows = TestData.UnitRows(64, 4, 8);
            rows[5 * 4 + 2] = bad;
            Assert.That(() => VaeTrainer.Train(rows, 4, Small with { Epochs = 1, Likelihood = likelihood }),
                Throws.ArgumentException.With.Message.Contain("row 5, feature 2"), $"{bad} with the {likelihood} likelihood");
        }
    }

    [Test]
    public void CancellationStopsTraining()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => VaeTrainer.Train(TestData.UnitRows(64, 4, 8), 4, Small, cancellationToken: cts.Token));
    }

    [Test]
    public void BackendsResolveToTheManagedEngineHere()
    {
        Assert.That(BackendResolver.Resolve(new VaeOptions { Backend = TrainingBackends.Managed }).Name, Is.EqualTo("managed"));
        Assert.That(BackendResolver.Resolve(new VaeOptions()).Name, Is.EqualTo("managed"), "Auto without the TorchSharp package");
        Assert.That(() => BackendResolver.Resolve(new VaeOptions { Backend = "torchsharp" }),
            Throws.ArgumentException.With.Message.Contain("MlNetVae.TorchSharp package"));
        var spec = VaeSpec.Resolve(Small, FeatureLayout.From(4, [], FeatureKind.Bernoulli));
        var initial = spec.Initialize(new FeatureStatistics(spec.Layout, new float[4], [1, 1, 1, 1]), 1);
        Assert.That(() => VaeTrainer.Train(spec, initial, new float[10]), Throws.ArgumentException.With.Message.Contain("not whole rows of 4"));
        Assert.That(() => VaeTrainer.Train(TestData.UnitRows(8, 4, 1), 4, Small with { Epochs = 0 }), Throws.ArgumentException);
    }

    /// <summary>Runs the callback on the training thread, unlike <see cref="Progress{T}"/>.</summary>
    private sealed class Inline(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }

    /// <summary>A backend that keeps a copy of the weights at every epoch's validation (the loop validates once per epoch).</summary>
    private sealed class Snapshots(ITrainingBackend inner) : ITrainingBackend
    {
        public Dictionary<int, StateDict> ByEpoch { get; } = [];

        public StepResult Step(ReadOnlySpan<float> batch, ReadOnlySpan<float> noise, int rows, float klWeight, float learningRate) =>
            inner.Step(batch, noise, rows, klWeight, learningRate);

        public void Evaluate(ReadOnlySpan<float> data, ReadOnlySpan<float> noise, int rows, Span<double> reconstruction, Span<double> kl)
        {
            inner.Evaluate(data, noise, rows, reconstruction, kl);
            ByEpoch[ByEpoch.Count + 1] = inner.State();
        }

        public StateDict State() => inner.State();

        public void Load(StateDict state) => inner.Load(state);

        public void Dispose() => inner.Dispose();
    }
}
