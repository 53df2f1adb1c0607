using System.Diagnostics;
using System.Text.Json;
using MlNetVae.Backends;
using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Kernels;
using MlNetVae.Engine.Nn;
using MlNetVae.Engine.Randomness;

namespace MlNetVae.Benchmarks;

/// <summary>
/// Forward + backward of a small convolutional encoder and its transposed-convolution decoder on 28x28 images, here
/// and in PyTorch (tests/reference/conv_bench.py, the same layers and loss) on the same thread count, in alternating
/// rounds so a change in the machine's load hits both alike; the median of the per-round ratios is quoted.
/// Usage: <c>conv [--threads 2] [--batch 128] [--rounds 5] [--seconds 5] [--skip-peer]</c>.
/// </summary>
/// <remarks>
/// PyTorch runs twice a round: as installed, and tuned for a small shared machine (OpenBLAS single-threaded inside
/// PyTorch's own OpenMP threads, and OpenMP threads that sleep instead of spinning while they wait). On two busy
/// cores the defaults oversubscribe and spin, which can make PyTorch's two threads several times slower than one;
/// the ratio quoted is against the faster of the two.
/// </remarks>
public static class ConvBenchmark
{
    private static readonly (string Name, string[] Environment)[] PeerSettings =
    [
        ("defaults", []),
        ("tuned", ["OPENBLAS_NUM_THREADS=1", "OMP_WAIT_POLICY=PASSIVE"]),
    ];

    public static void Run(string[] args)
    {
        int threads = VaeTrainingBenchmark.Option(args, "--threads", 2), batch = VaeTrainingBenchmark.Option(args, "--batch", 128);
        int rounds = VaeTrainingBenchmark.Option(args, "--rounds", 5), seconds = VaeTrainingBenchmark.Option(args, "--seconds", 5);
        bool peer = !args.Contains("--skip-peer");
        var net = new Autoencoder(batch, threads);
        double gflop = net.FlopsPerImage / 1e9;
        Console.WriteLine($"batch {batch}, {threads} threads, {net.FlopsPerImage / 1e6:F2} MFLOP per image (forward, weight and input gradients)");
        var ratios = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            var theirs = peer ? PeerSettings.Select(p => (p.Name, ImagesPerSecond: RunPeer(threads, batch, seconds, p.Environment))).ToArray() : [];
            var (mine, forwardMs, backwardMs) = net.Time(seconds);
            Console.Write($"round {round}: MlNetVae {mine:F0} images/s ({gflop * mine:F1} GFLOP/s; {forwardMs:F1} ms forward + {backwardMs:F1} ms backward)");
            foreach (var (name, ips) in theirs) Console.Write($"; PyTorch {name} {ips:F0} images/s ({gflop * ips:F1} GFLOP/s, ratio {mine / ips:F2}x)");
            Console.WriteLine();
            if (peer) ratios.Add(mine / theirs.Max(t => t.ImagesPerSecond));
        }
        if (ratios.Count == 0) return;
        ratios.Sort();
        Console.WriteLine($"median throughput ratio MlNetVae / faster PyTorch setting {ratios[ratios.Count / 2]:F2}x (min {ratios[0]:F2}, max {ratios[^1]:F2})");
    }

    /// <summary>The benchmark's network on the managed engine, with its loss: BCE with logits against the input.</summary>
    private sealed class Autoencoder
    {
        private readonly ConvGeometry[] _layers =
        [
            ConvGeometry.Conv2d(1, 28, 28, 32, 4, 4, stride: 2, padding: 1),           // -> 32x14x14
            ConvGeometry.Conv2d(32, 14, 14, 64, 4, 4, stride: 2, padding: 1),          // -> 64x7x7
            ConvGeometry.ConvTranspose2d(64, 7, 7, 32, 4, 4, stride: 2, padding: 1),   // -> 32x14x14
            ConvGeometry.ConvTranspose2d(32, 14, 14, 1, 4, 4, stride: 2, padding: 1),  // -> 1x28x28
        ];
        private readonly ParameterStore _store = new();
        private readonly (Parameter Weight, Parameter Bias)[] _parameters;
        private readonly Tape _tape;
        private readonly Tensor _x;

        public Autoencoder(int batch, int threads)
        {
            var rng = new Rng(1);
            _parameters = _layers.Select((g, i) => (_store.Add($"layer{i}.weight", g.WeightShape), _store.Add($"layer{i}.bias", g.OutChannels))).ToArray();
            foreach (var p in _store.Parameters) rng.FillUniform(p.Value.Span, -0.1f, 0.1f);
            _x = new Tensor(batch, 784); // (batch, 1 * 28 * 28)
            rng.FillUniform(_x.Span);
            _tape = new Tape(new Compute(threads));
        }

        /// <summary>
        /// Multiply-adds x 2 of a training step per image: forward, the weight gradient (as many) and the input
        /// gradient (as many), except the first layer's, whose input is data.
        /// </summary>
        public double FlopsPerImage => _layers.Select((g, i) =>
            (i == 0 ? 2 : 3) * 2.0 * g.InChannels * g.OutChannels * g.KernelHeight * g.KernelWidth *
            (g.Transposed ? g.InHeight * g.InWidth : g.OutHeight * g.OutWidth)).Sum();

        /// <summary>Steps for about <paramref name="seconds"/> after a warm-up: images/s and the mean forward and backward times.</summary>
        public (double ImagesPerSecond, double ForwardMs, double BackwardMs) Time(int seconds)
        {
            for (int i = 0; i < 5; i++) Step();
            long forward = 0, backward = 0, start = Stopwatch.GetTimestamp();
            int steps = 0;
            while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds)
            {
                var (f, b) = Step();
                forward += f;
                backward += b;
                steps++;
            }
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds, ms = 1000.0 / Stopwatch.Frequency / steps;
            return (steps * _x.Rows / elapsed, forward * ms, backward * ms);
        }

        private (long Forward, long Backward) Step()
        {
            long t0 = Stopwatch.GetTimestamp();
            _tape.Reset();
            _store.ZeroGrad();
            var input = _tape.Input(_x);
            var h = Layer(1, _tape.Relu(Layer(0, input)));                // (batch, 64 * 7 * 7)
            var logits = Layer(3, _tape.Relu(Layer(2, _tape.Relu(h)))); // (batch, 784)
            var loss = _tape.Mean(_tape.BceWithLogits(logits, input));
            long t1 = Stopwatch.GetTimestamp();
            _tape.Backward(loss);
            return (t1 - t0, Stopwatch.GetTimestamp() - t1);
        }

        private Node Layer(int i, Node x) => _layers[i].Transposed
            ? _tape.ConvTranspose2d(x, _parameters[i].Weight, _parameters[i].Bias, _layers[i])
            : _tape.Conv2d(x, _parameters[i].Weight, _parameters[i].Bias, _layers[i]);
    }

    private static double RunPeer(int threads, int batch, int seconds, string[] environment)
    {
        string script = Path.Combine(VaeTrainingBenchmark.RepoRoot(), "tests", "reference", "conv_bench.py");
        var psi = new ProcessStartInfo("/usr/bin/python3", [script, "--threads", threads.ToString(), "--batch", batch.ToString(), "--seconds", seconds.ToString()])
        {
            RedirectStandardOutput = true,
        };
        foreach (var setting in environment)
        {
            var parts = setting.Split('=', 2);
            psi.Environment[parts[0]] = parts[1];
        }
        using var process = Process.Start(psi)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"the PyTorch benchmark failed with exit code {process.ExitCode}");
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.GetProperty("images_per_second").GetDouble();
    }
}
