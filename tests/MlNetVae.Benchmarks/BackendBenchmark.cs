using System.Text.Json;
using MlNetVae.Spec;
using MlNetVae.TorchSharp;
using MlNetVae.Training;

namespace MlNetVae.Benchmarks;

/// <summary>
/// The reference VAE (see <see cref="VaeTrainingBenchmark"/>) trained by the managed engine, by the TorchSharp backend
/// (libtorch 2.10, CPU) and by PyTorch 1.13 (tests/reference/vae_fashion.py), each on the same thread count.
/// <c>--conv</c> trains the default image model instead (two stride-2 convolutions, a dense layer of 256, latent 8, Gaussian likelihood;
/// <c>vae_fashion.py --conv</c> builds the same network in PyTorch).
/// With <c>--conv</c> TorchSharp also trains it with libtorch's own convolutions (<see cref="TorchSharpConvPeer"/>).
/// Every run prints the <c>limit</c> line (see <see cref="MachineLimit"/>) and the managed engine's fraction of it.
/// <c>--rows N</c> times the rounds on the first N training images only (every engine alike), for a busy machine where
/// a full epoch of the slowest peer takes many minutes.
/// Usage: <c>backends [--conv] [--epochs 10] [--threads 2] [--rounds 5] [--rows 60000] [--skip-quality]</c>.
/// </summary>
/// <remarks>
/// Throughput comes from <c>--rounds</c> rounds of one epoch per engine; the order rotates each round, so that a
/// change in the machine's load, or the heat the previous run left, hits every engine alike. The per-round ratios
/// and their medians are quoted. Quality comes from one <c>--epochs</c> run of each: the test-set negative ELBO with
/// one z sample per image, as PyTorch's script computes it.
/// </remarks>
public static class BackendBenchmark
{
    private const string Managed = "managed", TorchSharp = "torchsharp", PyTorch = "pytorch", TorchSharpConv = "torchsharp-conv2d";

    public static void Run(string[] args)
    {
        int epochs = VaeTrainingBenchmark.Option(args, "--epochs", 10), threads = VaeTrainingBenchmark.Option(args, "--threads", 2);
        int rounds = VaeTrainingBenchmark.Option(args, "--rounds", 5);
        var (train, _) = FashionMnist.Train();
        var (test, _) = FashionMnist.Test();
        int rows = Math.Min(VaeTrainingBenchmark.Option(args, "--rows", train.Length / FashionMnist.Features), train.Length / FashionMnist.Features);
        var timed = train.AsSpan(0, rows * FashionMnist.Features).ToArray();
        bool conv = args.Contains("--conv");
        var managed = conv
            ? VaeTrainingBenchmark.ImageOptions(epochs, threads)
            : VaeTrainingBenchmark.ReferenceOptions(epochs, threads);
        Console.WriteLine($"{(conv ? "the default image model" : "the reference VAE")}, {threads} threads, rounds of one epoch over {rows:N0} images");
        TorchSharpBackend.Register(); // as an app that uses the MlNetVae.TorchSharp package does, once
        var torch = managed with { Backend = "torchsharp", Device = "cpu" };
        var peaks = MachineLimit.Measure();
        double flops = MachineLimit.TrainingFlopsPerSample(VaeTrainingBenchmark.Spec(managed, train));
        Console.WriteLine($"limit: {flops / 1e6:F3} MFLOP per training sample; GEMM-bound limit {peaks.Two * 1e9 / flops:N0} samples/s on 2 threads, {peaks.One * 1e9 / flops:N0} on 1");

        // With --conv, TorchSharp also trains the same network through libtorch's own conv2d / conv_transpose2d, its fastest CPU path.
        string[] order = conv ? [Managed, TorchSharp, PyTorch, TorchSharpConv] : [Managed, TorchSharp, PyTorch];
        var speeds = order.ToDictionary(e => e, _ => new List<double>());
        var ratios = new Dictionary<string, List<double>> { ["managed/torchsharp"] = [], ["managed/pytorch"] = [], ["torchsharp/pytorch"] = [] };
        if (conv) ratios["managed/torchsharp-conv2d"] = [];
        for (int round = 1; round <= rounds; round++)
        {
            if (round > 1) peaks = MachineLimit.Measure(peaks);
            var speed = new Dictionary<string, double>();
            for (int i = 0; i < order.Length; i++)
            {
                string engine = order[(round - 1 + i) % order.Length];
                speed[engine] = engine switch
                {
                    Managed => VaeTrainer.Train(timed, FashionMnist.Features, managed with { Epochs = 1, Seed = round }).Result.SamplesPerSecond,
                    TorchSharp => VaeTrainer.Train(timed, FashionMnist.Features, torch with { Epochs = 1, Seed = round }).Result.SamplesPerSecond,
                    TorchSharpConv => TorchSharpConvPeer.SamplesPerSecond(timed, threads, round),
                    _ => VaeTrainingBenchmark.RunPeer(1, threads, conv, rows).RootElement.GetProperty("samples_per_second").GetDouble(),
                };
                speeds[engine].Add(speed[engine]);
            }
            foreach (var (name, list) in ratios)
            {
                var pair = name.Split('/');
                list.Add(speed[pair[0]] / speed[pair[1]]);
            }
            Console.WriteLine($"round {round}: " + string.Join(", ", order.Select(e => $"{e} {speed[e]:N0}")) + " samples/s; " +
                string.Join(", ", ratios.Select(r => $"{r.Key} {r.Value[^1]:F2}x")) + $"; managed {MachineLimit.Fraction(peaks, threads, flops, speed[Managed])}");
        }
        Console.WriteLine("medians: " + string.Join(", ", speeds.Select(s => $"{s.Key} {Median(s.Value):N0} samples/s")) + "; " +
            string.Join(", ", ratios.Select(r => $"{r.Key} {Median(r.Value):F2}x ({r.Value.Min():F2}-{r.Value.Max():F2})")));
        Console.WriteLine($"limit: managed median {MachineLimit.Fraction(peaks, threads, flops, Median(speeds[Managed]))}");
        if (args.Contains("--skip-quality")) return;

        var negElbo = new Dictionary<string, double>();
        foreach (var (name, options) in new[] { (Managed, managed), (TorchSharp, torch) })
        {
            var (model, result) = VaeTrainer.Train(train, FashionMnist.Features, options);
            negElbo[name] = VaeTrainingBenchmark.TestNegElbo(model, test, threads);
            Console.WriteLine($"{name}: {epochs} epochs in {result.Seconds:F1} s ({result.SamplesPerSecond:N0} samples/s), test -ELBO {negElbo[name]:F2} nats");
        }
        var peer = VaeTrainingBenchmark.RunPeer(epochs, threads, conv).RootElement;
        negElbo[PyTorch] = peer.GetProperty("test_neg_elbo").GetDouble();
        Console.WriteLine($"pytorch: {epochs} epochs in {peer.GetProperty("seconds").GetDouble():F1} s ({peer.GetProperty("samples_per_second").GetDouble():N0} samples/s), test -ELBO {negElbo[PyTorch]:F2} nats");
        Console.WriteLine($"test -ELBO torchsharp - managed: {negElbo[TorchSharp] - negElbo[Managed]:+0.00;-0.00} nats");
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            model = conv ? "conv" : "dense", threads, epochs, rounds,
            samples_per_second = speeds.ToDictionary(s => s.Key, s => Math.Round(Median(s.Value), 1)),
            median_ratios = ratios.ToDictionary(r => r.Key, r => Math.Round(Median(r.Value), 3)),
            test_neg_elbo = negElbo.ToDictionary(n => n.Key, n => Math.Round(n.Value, 3)),
        }));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
