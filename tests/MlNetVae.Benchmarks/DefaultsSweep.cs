using System.Diagnostics;
using System.Globalization;
using MlNetVae.Cli.Data;
using MlNetVae.Cli.Demo;
using MlNetVae.Inference;
using MlNetVae.Spec;
using MlNetVae.Training;

namespace MlNetVae.Benchmarks;

/// <summary>
/// The evidence behind the default options: the default anomaly score's AUROC on the demo's sensor table, on sklearn's
/// breast cancer table (one-class on benign rows, 5 seeded splits) and on the tabular sample's machine, for the
/// defaults and for a sweep of learning-rate decay x learning rate x batch size (everything else default).
/// Usage: <c>defaults [--decay 0.5,0] [--lr 1e-3,3e-3,1e-2] [--batch 32,64,128] [--epochs N]</c>.
/// </summary>
public static class DefaultsSweep
{
    public static void Run(string[] args)
    {
        var clock = Stopwatch.StartNew();
        var lrs = List(args, "--lr", "0.001,0.003,0.01").Select(float.Parse).ToArray();
        var batches = List(args, "--batch", "32,64,128").Select(int.Parse).ToArray();
        var decays = List(args, "--decay", "0.5,0").Select(float.Parse).ToArray();
        var baseOptions = new VaeOptions();
        if (args.Contains("--epochs")) baseOptions = baseOptions with { Epochs = int.Parse(args[Array.IndexOf(args, "--epochs") + 1]) };
        var sets = DataSets();
        Console.WriteLine($"defaults: {OptionCatalog.ToJson(baseOptions)}");
        var configs = new List<(string Name, VaeOptions Options)> { ("defaults", baseOptions) };
        foreach (float decay in decays)
            foreach (float lr in lrs)
                foreach (int b in batches)
                    configs.Add(($"decay {decay:G3} lr {lr:G3} batch {b}", baseOptions with { LearningRateDecay = decay, LearningRate = lr, BatchSize = b }));
        Console.WriteLine($"{"configuration",-32}" + string.Concat(sets.Select(s => $"{s.Name,14}")) + $"{"mean",10}");
        foreach (var (name, options) in configs)
        {
            var aurocs = sets.Select(s => s.Splits.Average(split => Auroc(split, options with { CategoricalGroups = s.Groups }))).ToArray();
            Console.WriteLine($"{name,-32}" + string.Concat(aurocs.Select(a => $"{a,14:F4}")) + $"{aurocs.Average(),10:F4}");
        }
        Console.WriteLine($"wall time {clock.Elapsed.TotalMinutes:F1} min");
    }

    private sealed record Split(float[] Train, float[] Test, bool[] Anomalous, int Features);

    private sealed record DataSet(string Name, Split[] Splits, (int, int)[] Groups);

    private static double Auroc(Split s, VaeOptions options)
    {
        var (model, _) = VaeTrainer.Train(s.Train, s.Features, options);
        return Roc.Auroc(new AnomalyScorer(model).Score(s.Test), s.Anomalous);
    }

    private static List<DataSet> DataSets()
    {
        var sets = new List<DataSet>();
        // The demo: 4,000 normal rows to train on, 1,000 test rows of which 50 are anomalies (its own generator and CSV reading).
        string dir = Directory.CreateTempSubdirectory("mlnetvae-defaults").FullName;
        SensorData.WriteCsv(Path.Combine(dir, "train.csv"), rows: 4000, anomalies: 0, seed: 1, labelColumn: null);
        SensorData.WriteCsv(Path.Combine(dir, "test.csv"), rows: 950, anomalies: 50, seed: 3, labelColumn: "anomaly");
        var train = Dataset.Open(Path.Combine(dir, "train.csv"), null, null, null);
        var test = Dataset.Open(Path.Combine(dir, "test.csv"), null, null, "anomaly", train.Csv);
        sets.Add(new DataSet("demo", [new Split(train.ReadFeatures(), test.ReadFeatures(), test.ReadLabels()!.Select(l => l == 1).ToArray(), train.Features)],
            train.Csv!.CategoricalGroups.ToArray()));
        Directory.Delete(dir, recursive: true);

        var bc = new List<Split>();
        for (int seed = 0; seed < 5; seed++)
        {
            string split = Path.Combine(Path.GetTempPath(), $"mlnetvae-defaults-bc-{Environment.ProcessId}-{seed}");
            Python("anomaly_baselines.py", "breast-cancer", "--seed", seed.ToString(CultureInfo.InvariantCulture), "--out", split);
            var rows = File.ReadLines(Path.Combine(split, "train.csv")).Select(Numbers).ToArray();
            var testRows = File.ReadLines(Path.Combine(split, "test.csv")).Select(Numbers).ToArray();
            Directory.Delete(split, recursive: true);
            bc.Add(new Split(rows.SelectMany(r => r).ToArray(), testRows.SelectMany(r => r[..^1]).ToArray(), testRows.Select(r => r[^1] == 1f).ToArray(), rows[0].Length));
        }
        sets.Add(new DataSet("breast-cancer", bc.ToArray(), []));

        sets.Add(new DataSet("machine", [Machine()], []));
        return sets;
    }

    /// <summary>The tabular sample's machine: five sensors driven by load and speed; a worn bearing vibrates more than the speed explains.</summary>
    private static Split Machine()
    {
        var random = new Random(7);
        float[] Read(bool broken)
        {
            double load = random.NextDouble(), speed = random.NextDouble();
            float Noise() => (float)(0.02 * (random.NextDouble() - 0.5));
            return [(float)(40 + 30 * load) + Noise(), (float)(200 + 50 * load * speed) + Noise(), (float)(10 + 90 * speed) + Noise(),
                (float)(0.5 + 2 * speed + (broken ? 0.6 : 0)) + Noise(), (float)(1000 * load * (0.5 + speed)) + Noise()];
        }
        var train = Enumerable.Range(0, 3000).SelectMany(_ => Read(false)).ToArray();
        var test = Enumerable.Range(0, 1000).Select(i => (Row: Read(i % 10 == 0), Broken: i % 10 == 0)).ToArray();
        return new Split(train, test.SelectMany(t => t.Row).ToArray(), test.Select(t => t.Broken).ToArray(), 5);
    }

    private static float[] Numbers(string line) => line.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    private static void Python(string script, params string[] arguments)
    {
        string path = Path.Combine(RepoRoot(), "tests", "reference", script);
        var psi = new ProcessStartInfo("/usr/bin/python3", [path, .. arguments]) { RedirectStandardOutput = true, WorkingDirectory = "/" };
        using var process = Process.Start(psi)!;
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed with exit code {process.ExitCode}");
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlNetVae.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("cannot find the repository root (MlNetVae.sln) above the benchmark");
    }

    private static string[] List(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return (i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback).Split(',');
    }
}
