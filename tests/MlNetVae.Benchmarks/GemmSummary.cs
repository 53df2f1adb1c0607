using System.Diagnostics;
using MlNetVae.Engine;

namespace MlNetVae.Benchmarks;

/// <summary>
/// The numbers we quote: for each shape and thread count, ours and OpenBLAS timed in short alternating trials
/// in one process, so load from anything else on the machine hits both alike. GFLOP/s are medians over the
/// trials; the ratio is the median of the ratios of adjacent trials (which cancels slow changes in load);
/// the last line per thread count is the geometric mean of those ratios over the six VAE shapes.
/// </summary>
internal static class GemmSummary
{
    private const int Trials = 21;
    private const string SpinVariable = "OPENBLAS_THREAD_TIMEOUT";
    private static readonly TimeSpan TrialLength = TimeSpan.FromMilliseconds(25);

    public static void Run()
    {
        // OpenBLAS's threads spin for about 2^28 cycles after each call before they sleep, so with two threads on two
        // cores the trials that alternate with OpenBLAS's left ours one core: our two-thread figures measured 165-170
        // GFLOP/s on half the shapes that way, 220-343 with the spinning cut short. OpenBLAS reads the timeout when it
        // loads, from the native environment, which .NET cannot change for its own process: run again with it set.
        if (Environment.GetEnvironmentVariable(SpinVariable) is null)
        {
            var self = new ProcessStartInfo(Environment.ProcessPath!) { Environment = { [SpinVariable] = "4" } };
            foreach (string arg in Environment.GetCommandLineArgs().Skip(Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? 0 : 1))
                self.ArgumentList.Add(arg);
            using var child = Process.Start(self)!;
            child.WaitForExit();
            Environment.ExitCode = child.ExitCode;
            return;
        }
        Console.WriteLine($"ISA {Compute.Default.Isa}, {Environment.ProcessorCount} cores; median of {Trials} alternating trials of ~{TrialLength.TotalMilliseconds:0} ms each; ratio = median of paired ratios");
        Console.WriteLine($"{"product",-13} {"shape",-19} {"thr",3} {"ours GF/s",10} {"OpenBLAS",10} {"ratio",7}");
        foreach (int threads in new[] { 1, 2 })
        {
            var compute = new Compute(threads);
            OpenBlas.SetThreads(threads);
            var ratios = new List<double>();
            foreach (var shape in GemmShape.All)
            {
                var (a, b, c) = shape.Allocate();
                var (ours, blas, ratio) = Measure(shape, () => shape.RunOurs(compute, a, b, c), () => shape.RunOpenBlas(a, b, c));
                if (GemmShape.Vae.Contains(shape)) ratios.Add(ratio);
                Console.WriteLine($"{shape.Name,-13} {shape,-19} {threads,3} {ours,10:0.0} {blas,10:0.0} {ratio,7:0.000}");
            }
            double geomean = Math.Exp(ratios.Average(Math.Log));
            Console.WriteLine($"{"geometric mean ratio, VAE shapes",-33} {threads,3} {"",10} {"",10} {geomean,7:0.000}");
        }
    }

    // Median GFLOP/s of each side and median ratio of a trial pair; the side that goes first alternates.
    private static (double Ours, double Blas, double Ratio) Measure(GemmShape shape, Action ours, Action blas)
    {
        int reps = Calibrate(ours, blas);
        var oursRates = new double[Trials];
        var blasRates = new double[Trials];
        for (int t = 0; t < Trials; t++)
        {
            if (t % 2 == 0)
            {
                oursRates[t] = Rate(shape, ours, reps);
                blasRates[t] = Rate(shape, blas, reps);
            }
            else
            {
                blasRates[t] = Rate(shape, blas, reps);
                oursRates[t] = Rate(shape, ours, reps);
            }
        }
        return (Median(oursRates), Median(blasRates), Median(oursRates.Zip(blasRates, (o, b) => o / b).ToArray()));
    }

    // Warms both up (JIT tiers, thread pools, caches) and picks repetitions that fill a trial.
    private static int Calibrate(Action ours, Action blas)
    {
        var clock = Stopwatch.StartNew();
        int calls = 0;
        while (clock.Elapsed < TimeSpan.FromMilliseconds(400)) { ours(); blas(); calls++; }
        double perCall = clock.Elapsed.TotalMilliseconds / (2 * calls);
        return Math.Max(3, (int)(TrialLength.TotalMilliseconds / perCall));
    }

    private static double Rate(GemmShape shape, Action run, int reps)
    {
        run();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < reps; i++) run();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return shape.Flops * reps / seconds / 1e9;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
