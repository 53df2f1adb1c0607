using System.Diagnostics;
using System.Globalization;
using MlNetVae.Tests.Scores;

namespace MlNetVae.Benchmarks;

/// <summary>
/// Issue 21's acceptance: does the largest FeatureContributions entry name what broke?
/// <c>explain --tables</c>: tables whose anomalies each break one known column (<see cref="BrokenColumns"/>), several seeds;
/// prints each confusion between broken and named columns and the share named right.
/// Usage: <c>explain [--tables] [--images] [--seeds N] [--numeric N] [--categorical N] [--train N]</c>.
/// </summary>
public static class ExplainBenchmark
{
    public static void Run(string[] args)
    {
        var clock = Stopwatch.StartNew();
        bool all = !args.Contains("--tables") && !args.Contains("--images");
        if (all || args.Contains("--tables")) Tables(args);
        Console.WriteLine($"wall time {clock.Elapsed.TotalMinutes:F1} min");
    }

    private static void Tables(string[] args)
    {
        int seeds = Int(args, "--seeds", 5), numeric = Int(args, "--numeric", 16), categorical = Int(args, "--categorical", 2), train = Int(args, "--train", 10_000);
        int right = 0, flagged = 0, anomalies = 0;
        for (int seed = 1; seed <= seeds; seed++)
        {
            var data = new BrokenColumns(numeric, categorical, seed);
            int test = 10 * 100 * data.Columns; // about 100 anomalies per column
            var confusion = data.Confusion(train, calibration: 2000, test, seed);
            var (rate, n) = BrokenColumns.Named(confusion);
            (right, flagged, anomalies) = (right + (int)Math.Round(rate * n), flagged + n, anomalies + test / 10);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"table seed {seed}: {numeric} numeric + {categorical} categorical columns, {train} training rows; {n} of {test / 10} anomalies flagged at 1% false positives; top-1 names the broken column in {rate:P1}"));
            Console.WriteLine(data.Describe(confusion));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tables, {seeds} seeds: {flagged} of {anomalies} anomalies flagged; the largest contribution names the broken column in {right / (double)flagged:P1} of them"));
    }

    private static int Int(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
