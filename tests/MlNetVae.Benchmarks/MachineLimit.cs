using System.Diagnostics;
using MlNetVae.Spec;

namespace MlNetVae.Benchmarks;

/// <summary>
/// The GEMM-bound limit of training on this machine: the peak single-precision GEMM rate (OpenBLAS's
/// <c>cblas_sgemm</c> on a large square product, Debian's libopenblas0) over the multiply-add work of one training
/// sample. A training run's fraction of the limit is its samples/s times its FLOPs per sample over that peak.
/// Usage: <c>limit</c> prints the peaks and both models' FLOPs per sample and limits.
/// </summary>
/// <remarks>
/// OpenBLAS reads OPENBLAS_CORETYPE when it loads: run the benchmarks without it (<c>env -u OPENBLAS_CORETYPE</c>), or
/// the peak is that of the named, possibly narrower, kernels; the line says which was measured.
/// </remarks>
internal static class MachineLimit
{
    private const int Size = 2048, Repeats = 5;

    /// <summary>The peak GFLOP/s of OpenBLAS sgemm on <paramref name="threads"/> threads: the best of a few 2048^3 products.</summary>
    public static double PeakSgemm(int threads)
    {
        OpenBlas.SetThreads(threads);
        var a = new float[Size * Size];
        var b = new float[Size * Size];
        var c = new float[Size * Size];
        for (int i = 0; i < a.Length; i++) (a[i], b[i]) = ((i % 17) * 0.01f, (i % 13) * 0.02f);
        OpenBlas.Sgemm(false, false, Size, Size, Size, 1f, a, Size, b, Size, 0f, c, Size); // warm-up: threads, pages
        double best = 0;
        for (int r = 0; r < Repeats; r++)
        {
            long start = Stopwatch.GetTimestamp();
            OpenBlas.Sgemm(false, false, Size, Size, Size, 1f, a, Size, b, Size, 0f, c, Size);
            best = Math.Max(best, 2.0 * Size * Size * Size / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9);
        }
        return best;
    }

    /// <summary>
    /// GEMM FLOPs of one training sample of <paramref name="spec"/>: each layer's multiply-adds (a dense layer's in x out,
    /// a convolution's output values times its input channels times the kernel area, a transposed one's input values times
    /// its output channels times the kernel area), twice for the forward pass, twice for the weight gradient and twice for
    /// the input gradient of every layer but the first. Biases and elementwise work are not counted.
    /// </summary>
    public static double TrainingFlopsPerSample(VaeSpec spec)
    {
        double flops = 0;
        bool first = true;
        foreach (var layer in spec.Encoder.Concat(spec.Decoder))
        {
            double macs = layer switch
            {
                ConvLayer { Geometry: var g } when g.Transposed => (double)g.InFeatures * g.OutChannels * g.KernelHeight * g.KernelWidth,
                ConvLayer { Geometry: var g } => (double)g.OutFeatures * g.InChannels * g.KernelHeight * g.KernelWidth,
                _ => (double)layer.In * layer.Out,
            };
            flops += 2 * macs * (first ? 2 : 3);
            first = false;
        }
        return flops;
    }

    /// <summary>
    /// Measures the peaks on 1 and 2 threads (OpenBLAS's own threads) and prints the <c>limit</c> line of a run. A run that
    /// measures again between its rounds passes the <paramref name="earlier"/> peaks and keeps the best: on a shared
    /// machine a measurement can only fall short of the peak.
    /// </summary>
    public static Peaks Measure(Peaks earlier = default)
    {
        var peaks = new Peaks(Math.Max(earlier.One, PeakSgemm(1)), Math.Max(earlier.Two, PeakSgemm(2)));
        string core = Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 } t ? $"OPENBLAS_CORETYPE={t}" : "OpenBLAS's own kernel choice";
        Console.WriteLine($"limit: peak sgemm (OpenBLAS, {Size}^3, best of {Repeats}, {core}) {peaks.One:F1} GFLOP/s on 1 thread, {peaks.Two:F1} on 2");
        return peaks;
    }

    /// <summary>One run's place against the limit: its GFLOP/s and fraction of the peak on its thread count.</summary>
    public static string Fraction(Peaks peaks, int threads, double flopsPerSample, double samplesPerSecond)
    {
        double peak = threads == 1 ? peaks.One : peaks.Two;
        return $"{flopsPerSample * samplesPerSecond / 1e9:F1} GFLOP/s = {flopsPerSample * samplesPerSecond / 1e9 / peak:P0} of the limit ({peak * 1e9 / flopsPerSample:N0} samples/s)";
    }

    /// <summary>The measured sgemm peaks, GFLOP/s.</summary>
    public readonly record struct Peaks(double One, double Two);

    public static void Run()
    {
        var peaks = Measure();
        var (train, _) = FashionMnist.Train();
        foreach (var (name, options) in new[] { ("reference VAE 784-400-20", VaeTrainingBenchmark.ReferenceOptions(1, 2)), ("default image model (conv 32-64, dense 256, latent 8)", VaeTrainingBenchmark.ImageOptions(1, 2)) })
        {
            double flops = TrainingFlopsPerSample(VaeTrainingBenchmark.Spec(options, train));
            Console.WriteLine($"limit: {name}: {flops / 1e6:F3} MFLOP per training sample; GEMM-bound limit {peaks.One * 1e9 / flops:N0} samples/s on 1 thread, {peaks.Two * 1e9 / flops:N0} on 2");
        }
    }
}
