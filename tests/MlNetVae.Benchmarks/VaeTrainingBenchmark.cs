using System.Diagnostics;
using System.Text.Json;
using MlNetVae.Inference;
using MlNetVae.Spec;
using MlNetVae.Training;

namespace MlNetVae.Benchmarks;

/// <summary>
/// The reference VAE (pytorch/examples: Fashion-MNIST, 784-400-20 ReLU, Bernoulli on pixels / 255, batch 128,
/// Adam 1e-3) trained by MlNetVae and by PyTorch (tests/reference/vae_fashion.py, Debian's python3-torch) in
/// one run, on the same thread count: throughput ratio and both test losses.
/// Usage: <c>vae [--epochs 10] [--threads 2] [--rounds 3] [--skip-peer]</c>.
/// </summary>
/// <remarks>
/// Quality comes from one full run of each. Throughput comes from <c>--rounds</c> one-epoch runs that
/// alternate PyTorch and MlNetVae, so that a change in the machine's load hits both alike; the median of
/// the per-round ratios is quoted.
/// </remarks>
public static class VaeTrainingBenchmark
{
    public static void Run(string[] args)
    {
        int epochs = Option(args, "--epochs", 10), threads = Option(args, "--threads", 2), rounds = Option(args, "--rounds", 3);
        var (train, _) = FashionMnist.Train();
        var (test, _) = FashionMnist.Test();
        // PyTorch first, then ours: each has the machine to itself while it trains.
        var peer = args.Contains("--skip-peer") ? null : RunPeer(epochs, threads);

        var options = ReferenceOptions(epochs, threads);
        var steadyState = new StepAllocations();
        var (model, result) = VaeTrainer.Train(train, FashionMnist.Features, options, steadyState);

        double testNegElbo = TestNegElbo(model, test, threads);
        var inference = new VaeInference(model, threads);
        var subset = test.AsSpan(0, 1000 * FashionMnist.Features);
        var (r100, k100) = inference.Elbo(subset, samples: 100, seed: 2);
        double first1000NegElbo = r100.Zip(k100, (a, b) => a + b).Average();
        double first1000Iwae = inference.IwaeNll(subset, 100, seed: 2).Average();
        double flopsPerSample = TrainingFlopsPerSample([784, 400, 40], [20, 400, 784]);
        var ours = new
        {
            engine = "MlNetVae",
            threads,
            epochs,
            train_rows = train.Length / FashionMnist.Features,
            seconds = Math.Round(result.Seconds, 3),
            samples_per_second = Math.Round(result.SamplesPerSecond, 1),
            gflops = Math.Round(flopsPerSample * result.SamplesPerSecond / 1e9, 2),
            test_neg_elbo = Math.Round(testNegElbo, 3),
            first1000_neg_elbo_100_samples = Math.Round(first1000NegElbo, 3),
            first1000_iwae_nll_k100 = Math.Round(first1000Iwae, 3),
            steady_state_bytes_per_step = steadyState.BytesPerStep,
            peak_working_set_mb = Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20),
        };
        Console.WriteLine(JsonSerializer.Serialize(ours));
        if (peer is null) return;
        Console.WriteLine(peer.RootElement.GetRawText());
        double ratio = result.SamplesPerSecond / peer.RootElement.GetProperty("samples_per_second").GetDouble();
        double gap = testNegElbo - peer.RootElement.GetProperty("test_neg_elbo").GetDouble();
        Console.WriteLine($"full runs: throughput ratio MlNetVae / PyTorch {ratio:F2}x; test -ELBO {testNegElbo:F2} vs {peer.RootElement.GetProperty("test_neg_elbo").GetDouble():F2} nats (difference {gap:+0.00;-0.00})");

        var ratios = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            double theirs = RunPeer(1, threads).RootElement.GetProperty("samples_per_second").GetDouble();
            double mine = VaeTrainer.Train(train, FashionMnist.Features, options with { Epochs = 1, Seed = round }).Result.SamplesPerSecond;
            ratios.Add(mine / theirs);
            Console.WriteLine($"round {round}: MlNetVae {mine:F0} samples/s ({flopsPerSample * mine / 1e9:F1} GFLOP/s), PyTorch {theirs:F0} samples/s, ratio {mine / theirs:F2}x");
        }
        ratios.Sort();
        Console.WriteLine($"alternating one-epoch rounds: median throughput ratio {ratios[ratios.Count / 2]:F2}x (min {ratios[0]:F2}, max {ratios[^1]:F2})");
    }

    /// <summary>The pytorch/examples VAE, set explicitly (the library's own defaults differ: 40 epochs, auto likelihood), on the managed engine.</summary>
    internal static VaeOptions ReferenceOptions(int epochs, int threads) => new()
    {
        Epochs = epochs, Threads = threads, Likelihood = LikelihoodKind.Bernoulli, EncoderHidden = [400], LatentSize = 20,
        LearningRate = 1e-3f, BatchSize = 128, Backend = TrainingBackends.Managed,
    };

    /// <summary>The default image model (two stride-2 convolutions, latent 8, Gaussian likelihood) on 28x28 images, on the managed engine.</summary>
    internal static VaeOptions ImageOptions(int epochs, int threads) => new()
    {
        Epochs = epochs, Threads = threads, ImageShape = [1, 28, 28], Backend = TrainingBackends.Managed,
    };

    /// <summary>The model <paramref name="options"/> make of Fashion-MNIST rows, as the trainer resolves it.</summary>
    internal static VaeSpec Spec(VaeOptions options, ReadOnlySpan<float> rows) =>
        VaeSpec.Resolve(options, FeatureStatistics.Fit(rows, FashionMnist.Features, options).Layout);

    /// <summary>The same estimate as PyTorch's script: the mean negative ELBO with one z sample per test image.</summary>
    internal static double TestNegElbo(VaeModelParameters model, float[] test, int threads)
    {
        var (reconstruction, kl) = new VaeInference(model, threads).Elbo(test, samples: 1, seed: 1);
        return reconstruction.Zip(kl, (a, b) => a + b).Average();
    }

    /// <summary>
    /// Bytes the training thread allocates per step between two progress reports of a later epoch (steps 20 and
    /// 420), less the one progress record each report carries: the steady state, without the one-time data copy.
    /// Reports run on the training thread because this is not a <see cref="Progress{T}"/>.
    /// </summary>
    private sealed class StepAllocations : IProgress<TrainingProgress>
    {
        private long _start;

        public double? BytesPerStep { get; private set; }

        public void Report(TrainingProgress p)
        {
            if (p.Epoch < 2 || BytesPerStep is not null) return;
            if (p.Step == 20) _start = GC.GetAllocatedBytesForCurrentThread();
            else if (p.Step == 420 && _start > 0)
            {
                const int Reports = 20, RecordBytes = 88; // reports at steps 40, 60, ..., 420
                BytesPerStep = (GC.GetAllocatedBytesForCurrentThread() - _start - Reports * RecordBytes) / 400.0;
            }
        }
    }

    /// <summary>GEMM flops of one training sample: forward, weight gradients, and input gradients of all but the first layer.</summary>
    internal static double TrainingFlopsPerSample(int[] encoder, int[] decoder)
    {
        double forward = 0, inputGrads = 0;
        foreach (var sizes in new[] { encoder, decoder })
            for (int i = 0; i + 1 < sizes.Length; i++)
            {
                forward += 2.0 * sizes[i] * sizes[i + 1];
                if (sizes != encoder || i > 0) inputGrads += 2.0 * sizes[i] * sizes[i + 1];
            }
        return 2 * forward + inputGrads;
    }

    /// <summary>Runs tests/reference/vae_fashion.py; <paramref name="trainRows"/> &gt; 0 trains on the first that many images only.</summary>
    internal static JsonDocument RunPeer(int epochs, int threads, bool conv = false, int trainRows = 0)
    {
        string script = Path.Combine(RepoRoot(), "tests", "reference", "vae_fashion.py");
        var psi = new ProcessStartInfo("/usr/bin/python3", [script, "--epochs", epochs.ToString(), "--threads", threads.ToString(),
            "--train-limit", trainRows.ToString(), .. conv ? new[] { "--conv" } : []])
        {
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(psi)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"the PyTorch reference failed with exit code {process.ExitCode}");
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]);
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlNetVae.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("cannot find the repository root (MlNetVae.sln) above the benchmark");
    }

    internal static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
    }
}
