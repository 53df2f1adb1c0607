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
/// The one-class anomaly harness (issues 6 and 25): DEFAULT VaeOptions and every VAE score, side by side with
/// Isolation Forest, one-class SVM and PCA from sklearn (tests/reference/anomaly_baselines.py, Debian's
/// python3-sklearn) on the same splits; one AUROC table per data set:
/// <list type="bullet">
/// <item><c>fashion</c>: train on the 6,000 training images of one Fashion-MNIST class, score the 10,000 test images,
/// the other nine classes are the anomalies.</item>
/// <item><c>fashion690</c>: the same with a seeded 690 of the class's training images (the size of the digit set the
/// defaults are also checked on).</item>
/// <item><c>digits</c>: sklearn's 8x8 handwritten digits; each digit's images split 60/40 by a seeded shuffle, train on
/// one digit's 60%, score every digit's 40% (the other digits are the anomalies); each digit's row is the mean of
/// <c>--digit-splits</c> seeded splits.</item>
/// <item>breast cancer (tables): 60% of the benign rows train, the rest of them and every malignant row test;
/// <c>--splits</c> seeded splits (skipped by <c>--skip-tabular</c>).</item>
/// </list>
/// Image rows carry their shape (1 x 28 x 28, 1 x 8 x 8), as the CLI gives IDX files, so the default options pick the
/// image architecture; <c>--dense</c> drops the shape to compare. Any option can be set as <c>--set flag=value</c>
/// (the CLI's flag names; repeatable). <c>--dump DIR</c> writes each model's per-row posterior means, log-variances
/// and reconstructions of its training and test rows as .npy files for offline analysis. Baselines are cached in
/// /tmp/mlnetvae-baselines. Usage: <c>anomaly [--sets fashion,fashion690,digits] [--classes 0,...,9] [--splits 5]
/// [--digit-splits 3] [--dense] [--set epochs=20 ...] [--skip-tabular] [--dump DIR] [--scores A,B]</c> (<c>--scores</c>:
/// only these columns, e.g. to skip the sampled scores, which take most of the scoring time).
/// </summary>
public static class AnomalyBenchmark
{
    private static readonly string[] Baselines = ["iforest", "ocsvm", "pca"];

    /// <summary>Images per class of the <c>fashion690</c> set.</summary>
    private const int ThinTrainingSet = 690;

    /// <summary>Runs the harness and prints an AUROC table per data set, with means, and the wall time.</summary>
    public static void Run(string[] args)
    {
        var clock = Stopwatch.StartNew();
        var sets = Option(args, "--sets", "fashion,fashion690,digits").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var classes = Option(args, "--classes", "0,1,2,3,4,5,6,7,8,9").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        int splits = int.Parse(Option(args, "--splits", "5"), CultureInfo.InvariantCulture);
        int digitSplits = int.Parse(Option(args, "--digit-splits", "3"), CultureInfo.InvariantCulture);
        string? dump = args.Contains("--dump") ? Option(args, "--dump", "") : null;
        var scores = args.Contains("--scores") ? Option(args, "--scores", "").Split(',').Select(Enum.Parse<AnomalyScore>).ToArray() : Enum.GetValues<AnomalyScore>();
        var options = SetFlags.Apply(args, new VaeOptions());
        bool dense = args.Contains("--dense");
        VaeOptions ForImages(int[] shape) => dense ? options : options with { ImageShape = options.ImageShape ?? shape };
        Console.WriteLine($"VaeOptions: {Describe(ForImages([1, 28, 28]))}; default score for images {VaeSpec.DefaultScore(true)}, tables {VaeSpec.DefaultScore(false)}");

        foreach (var set in sets)
        {
            if (set is not ("fashion" or "fashion690" or "digits")) throw new ArgumentException($"--sets: unknown data set '{set}' (fashion, fashion690, digits)");
            var rows = new List<(string Name, Dictionary<string, double> Auroc)>();
            if (set == "digits")
            {
                var digitOptions = ForImages([1, 8, 8]);
                foreach (int d in classes)
                {
                    var perSplit = new List<Dictionary<string, double>>();
                    for (int seed = 0; seed < digitSplits; seed++)
                    {
                        var (train, test, features, anomalous, baselines) = ExportedSplit("digits", "--class", d.ToString(CultureInfo.InvariantCulture), "--seed", seed.ToString(CultureInfo.InvariantCulture));
                        perSplit.Add(Evaluate(scores, train, test, features, anomalous, digitOptions, baselines, Dump(dump, $"digits-{d}-{seed}")));
                    }
                    rows.Add(($"digit {d}", perSplit[0].Keys.ToDictionary(k => k, k => perSplit.Average(a => a[k]))));
                    PrintTable(scores, $"Digits (sklearn 8x8) one-class, mean of {digitSplits} splits", rows);
                }
                continue;
            }
            var (trainImages, trainLabels) = FashionMnist.Train();
            var (testImages, testLabels) = FashionMnist.Test();
            foreach (int c in classes)
            {
                string cls = c.ToString(CultureInfo.InvariantCulture);
                var anomalous = testLabels.Select(l => l != c).ToArray();
                float[] train;
                Dictionary<string, double> baselines;
                if (set == "fashion")
                {
                    baselines = RunBaselines("fashion", "--class", cls);
                    train = FashionMnist.Rows(trainImages, trainLabels, l => l == c);
                }
                else
                {
                    string dir = TempDir();
                    baselines = RunBaselines("fashion", "--class", cls, "--per-class", ThinTrainingSet.ToString(CultureInfo.InvariantCulture), "--seed", "0", "--out", dir);
                    var picked = File.ReadLines(Path.Combine(dir, "train_index.csv")).Select(int.Parse).ToHashSet();
                    Directory.Delete(dir, recursive: true);
                    int index = 0;
                    train = FashionMnist.Rows(trainImages, trainLabels, _ => picked.Contains(index++));
                }
                rows.Add(($"class {c}", Evaluate(scores, train, testImages, FashionMnist.Features, anomalous, ForImages([1, 28, 28]), baselines, Dump(dump, $"{set}-{c}"))));
                PrintTable(scores, set == "fashion" ? "Fashion-MNIST one-class" : $"Fashion-MNIST one-class, {ThinTrainingSet} training images per class (seed 0)", rows);
            }
        }

        var tabular = new List<(string Name, Dictionary<string, double> Auroc)>();
        for (int seed = 0; seed < (args.Contains("--skip-tabular") ? 0 : splits); seed++)
        {
            var (train, test, features, anomalous, baselines) = ExportedSplit("breast-cancer", "--seed", seed.ToString(CultureInfo.InvariantCulture));
            tabular.Add(($"split {seed}", Evaluate(scores, train, test, features, anomalous, options, baselines, null)));
        }
        if (tabular.Count > 0) PrintTable(scores, "Breast cancer one-class (benign = normal)", tabular);
        Console.WriteLine($"wall time {clock.Elapsed.TotalMinutes:F1} min");
    }

    /// <summary>
    /// A split the baseline script draws and exports (train.csv, test.csv with the anomaly label last), read back so
    /// the VAE sees exactly the rows the baselines saw: flat training and test rows, their width, the labels.
    /// </summary>
    private static (float[] Train, float[] Test, int Features, bool[] Anomalous, Dictionary<string, double> Baselines) ExportedSplit(params string[] arguments)
    {
        string dir = TempDir();
        var baselines = RunBaselines([.. arguments, "--out", dir]);
        var train = ReadCsv(Path.Combine(dir, "train.csv"));
        var test = ReadCsv(Path.Combine(dir, "test.csv"));
        Directory.Delete(dir, recursive: true);
        return (train.SelectMany(r => r).ToArray(), test.SelectMany(r => r[..^1]).ToArray(), train[0].Length, test.Select(r => r[^1] == 1f).ToArray(), baselines);
    }

    private static string TempDir() => Path.Combine(Path.GetTempPath(), $"mlnetvae-anomaly-{Environment.ProcessId}-{Guid.NewGuid():N}");

    private static string? Dump(string? root, string name) => root is null ? null : Path.Combine(root, name);

    private static Dictionary<string, double> Evaluate(AnomalyScore[] scores, float[] train, float[] test, int features, bool[] anomalous, VaeOptions options, Dictionary<string, double> baselines, string? dump)
    {
        var clock = Stopwatch.StartNew();
        var (model, _) = VaeTrainer.Train(train, features, options);
        var supported = scores.Where(s => model.Spec.Image is not null || !AnomalyScores.NeedsImages(s)).ToArray();
        var scorer = new AnomalyScorer(model.WithScoreStatistics(StatisticsFitter.Fit(model, train, supported, Compute.Shared(options.Threads))));
        var auroc = supported.ToDictionary(s => s.ToString(), s => Roc.Auroc(scorer.Score(test, s), anomalous));
        foreach (var (name, value) in baselines) auroc[name] = value;
        Console.Error.WriteLine($"  trained and scored in {clock.Elapsed.TotalSeconds:F1} s");
        if (dump is not null) RowDump.Write(dump, scorer.Model, train, test, anomalous);
        return auroc;
    }

    private static void PrintTable(AnomalyScore[] scores, string title, List<(string Name, Dictionary<string, double> Auroc)> rows)
    {
        string[] columns = [.. scores.Select(s => s.ToString()), .. Baselines];
        Console.WriteLine($"\n{title}: AUROC");
        Console.WriteLine($"{"",-9}" + string.Concat(columns.Select(c => $"{Short(c),11}")));
        foreach (var (name, auroc) in rows)
            Console.WriteLine($"{name,-9}" + string.Concat(columns.Select(c => auroc.TryGetValue(c, out var v) ? $"{v,11:F4}" : $"{"-",11}")));
        // Image-only scores are absent on tables: a column is averaged only where every row has it.
        Console.WriteLine($"{"mean",-9}" + string.Concat(columns.Select(c => rows.All(r => r.Auroc.ContainsKey(c)) ? $"{rows.Average(r => r.Auroc[c]),11:F4}" : $"{"-",11}")));
    }

    private static string Short(string name) => name switch
    {
        "SmoothedReconstructionError" => "SmoothErr",
        "SmoothedStandardizedSum" => "SmoothStd",
        "MultiscaleStandardizedSum" => "Multiscale",
        "RelativeMultiscaleSum" => "Relative",
        "StructuralMultiscaleSum" => "Structural",
        _ => name.Length <= 9 ? name : name[..9],
    };

    private static Dictionary<string, double> RunBaselines(params string[] arguments)
    {
        // The sklearn detectors take minutes per Fashion-MNIST class; their result depends only on the split, so it is
        // cached. A run that exports a split (--out) always runs: the C# side reads the rows it writes.
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
