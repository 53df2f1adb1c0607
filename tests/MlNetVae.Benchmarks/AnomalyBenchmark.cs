using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MlNetVae.Engine;
using MlNetVae.Graph;
using MlNetVae.Inference;
using MlNetVae.Spec;
using MlNetVae.Training;

namespace MlNetVae.Benchmarks;

/// <summary>
/// Issue 6's acceptance harness: one-class anomaly detection with DEFAULT VaeOptions and every VAE score, side by
/// side with Isolation Forest, one-class SVM and PCA from sklearn (tests/reference/anomaly_baselines.py, Debian's
/// python3-sklearn) on the same splits.
/// Fashion-MNIST: train on the 6,000 training images of one class, score the 10,000 test images, the other nine
/// classes are the anomalies. Tabular: sklearn's breast cancer table, 60% of the benign rows train, the rest of
/// them and every malignant row test; several seeded splits, exported by the script as CSV.
/// Fashion-MNIST rows carry their image shape (1 x 28 x 28), as the CLI gives IDX files, so the default options pick the
/// image architecture; <c>--dense</c> drops the shape to compare. Any option can be set as <c>--set flag=value</c>
/// (the CLI's flag names; repeatable). Baselines are cached in <c>--cache DIR</c> (default /tmp/mlnetvae-baselines).
/// Usage: <c>anomaly [--classes 0,1,...,9] [--splits 5] [--dense] [--set epochs=20 ...] [--skip-tabular]</c>.
/// </summary>
public static class AnomalyBenchmark
{
    private static readonly AnomalyScore[] AllScores = Enum.GetValues<AnomalyScore>();
    private static readonly string[] Baselines = ["iforest", "ocsvm", "pca"];

    /// <summary>Runs the harness and prints an AUROC table per data set, with means, and the wall time.</summary>
    public static void Run(string[] args)
    {
        var clock = Stopwatch.StartNew();
        var classes = Option(args, "--classes", "0,1,2,3,4,5,6,7,8,9").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        int splits = int.Parse(Option(args, "--splits", "5"));
        var options = new VaeOptions();
        for (int i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] != "--set") continue;
            var (flag, text) = (args[i + 1].Split('=', 2)[0], args[i + 1].Split('=', 2)[1]);
            var info = OptionCatalog.All.Single(o => o.Attribute.Flag == flag);
            options = options with { };
            info.Property.SetValue(options, OptionCatalog.Parse(info, text));
        }
        var images = args.Contains("--dense") ? options : options with { ImageShape = options.ImageShape ?? [1, 28, 28] };
        Console.WriteLine($"VaeOptions: {Describe(images)}; default score for images {VaeSpec.DefaultScore(true)}, tables {VaeSpec.DefaultScore(false)}");

        var (trainImages, trainLabels) = FashionMnist.Train();
        var (testImages, testLabels) = FashionMnist.Test();
        var fashion = new List<(string Name, Dictionary<string, double> Auroc)>();
        foreach (int c in classes)
        {
            var baselines = RunBaselines("fashion", "--class", c.ToString(CultureInfo.InvariantCulture));
            var train = FashionMnist.Rows(trainImages, trainLabels, l => l == c);
            var anomalous = testLabels.Select(l => l != c).ToArray();
            fashion.Add(($"class {c}", Evaluate(train, testImages, FashionMnist.Features, anomalous, images, baselines)));
            PrintTable("Fashion-MNIST one-class", fashion);
        }

        var tabular = new List<(string Name, Dictionary<string, double> Auroc)>();
        for (int seed = 0; seed < (args.Contains("--skip-tabular") ? 0 : splits); seed++)
        {
            string dir = Path.Combine(Path.GetTempPath(), $"mlnetvae-anomaly-bc-{Environment.ProcessId}-{seed}");
            var baselines = RunBaselines("breast-cancer", "--seed", seed.ToString(CultureInfo.InvariantCulture), "--out", dir);
            var train = ReadCsv(Path.Combine(dir, "train.csv"));
            var test = ReadCsv(Path.Combine(dir, "test.csv"));
            Directory.Delete(dir, recursive: true);
            var anomalous = test.Select(r => r[^1] == 1f).ToArray();
            tabular.Add(($"split {seed}", Evaluate(train.SelectMany(r => r).ToArray(), test.SelectMany(r => r[..^1]).ToArray(), train[0].Length, anomalous, options, baselines)));
        }
        if (tabular.Count > 0) PrintTable("Breast cancer one-class (benign = normal)", tabular);
        Console.WriteLine($"wall time {clock.Elapsed.TotalMinutes:F1} min");
    }

    private static Dictionary<string, double> Evaluate(float[] train, float[] test, int features, bool[] anomalous, VaeOptions options, Dictionary<string, double> baselines)
    {
        var clock = Stopwatch.StartNew();
        var (model, _) = VaeTrainer.Train(train, features, options);
        var scores = AllScores.Where(s => model.Spec.Image is not null || !AnomalyScores.NeedsImages(s)).ToArray();
        var scorer = new AnomalyScorer(model.WithScoreStatistics(StatisticsFitter.Fit(model, train, scores, Compute.Shared(options.Threads))));
        var auroc = scores
            .ToDictionary(s => s.ToString(), s => Roc.Auroc(scorer.Score(test, s), anomalous));
        foreach (var (name, value) in baselines) auroc[name] = value;
        Console.Error.WriteLine($"  trained and scored in {clock.Elapsed.TotalSeconds:F1} s");
        return auroc;
    }

    private static void PrintTable(string title, List<(string Name, Dictionary<string, double> Auroc)> rows)
    {
        string[] columns = [.. AllScores.Select(s => s.ToString()), .. Baselines];
        Console.WriteLine($"\n{title}: AUROC");
        Console.WriteLine($"{"",-9}" + string.Concat(columns.Select(c => $"{Short(c),10}")));
        foreach (var (name, auroc) in rows)
            Console.WriteLine($"{name,-9}" + string.Concat(columns.Select(c => auroc.TryGetValue(c, out var v) ? $"{v,10:F4}" : $"{"-",10}")));
        // Image-only scores are absent on tables: a column is averaged only where every row has it.
        Console.WriteLine($"{"mean",-9}" + string.Concat(columns.Select(c => rows.All(r => r.Auroc.ContainsKey(c)) ? $"{rows.Average(r => r.Auroc[c]),10:F4}" : $"{"-",10}")));
    }

    private static string Short(string name) => name switch
    {
        "SmoothedReconstructionError" => "SmoothErr",
        "SmoothedStandardizedSum" => "SmoothStd",
        _ => name.Length <= 9 ? name : name[..9],
    };

    private static Dictionary<string, double> RunBaselines(params string[] arguments)
    {
        // The sklearn detectors take minutes per class; their result depends only on the split, so it is cached.
        string cache = Path.Combine(Path.GetTempPath(), "mlnetvae-baselines", string.Join("_", arguments.Where(a => !a.Contains('/'))) + ".json");
        bool exports = arguments.Contains("--out");
        if (!exports && File.Exists(cache)) return JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(cache))!;
        string script = Path.Combine(RepoRoot(), "tests", "reference", "anomaly_baselines.py");
        var psi = new ProcessStartInfo("/usr/bin/python3", [script, .. arguments]) { RedirectStandardOutput = true, WorkingDirectory = "/" };
        using var process = Process.Start(psi)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"anomaly_baselines.py {string.Join(' ', arguments)} failed with exit code {process.ExitCode}");
        string json = output.Trim().Split('\n')[^1];
        Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
        File.WriteAllText(cache, json);
        return JsonSerializer.Deserialize<Dictionary<string, double>>(json)!;
    }

    private static float[][] ReadCsv(string path) =>
        File.ReadLines(path).Select(line => line.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();

    private static string Describe(VaeOptions o) =>
        OptionCatalog.ToJson(o);

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlNetVae.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("cannot find the repository root (MlNetVae.sln) above the benchmark");
    }

    private static string Option(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
