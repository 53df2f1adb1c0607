using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetVae.Benchmarks;

/// <summary>
/// Training on data larger than memory (<see cref="VaeOptions.MemoryBudgetMegabytes"/>), measured on the generated
/// 50-feature <see cref="WideTable"/> saved with ML.NET's SaveAsBinary and read back with LoadFromBinary:
/// <c>stream make --rows N (--idv PATH | --csv PATH) [--sorted]</c> writes the table (1% anomalies);
/// <c>stream fit --data PATH [--epochs 1] [--memory-budget MB]</c> fits the default model on it and times each pass
/// (run it under <c>/usr/bin/time -v</c> for the peak memory);
/// <c>stream quality [--rows 1000000] [--seeds 3] [--first-seed 1] [--epochs 5] [--sorted] [--memory-only] [--set flag=value ...]</c>
/// trains in memory and in passes (a 32 MB budget) on the same file and prints test AUROC and -ELBO per seed, the -ELBO in
/// model units and in the data's units, and the gap of the means in both (with
/// --sorted, also in passes over a view that cannot shuffle, where only the pool mixes the rows; with --memory-only, in
/// memory alone; --set changes an option, as the CLI's flag would);
/// <c>stream read --data PATH [--rounds 3]</c> times passes that only read the file, in order and shuffled;
/// <c>stream speed [--rows 1000000] [--rounds 3] [--epochs 2] [--uncached [--unshuffled]]</c> times both side by side,
/// alternating (with --uncached, passes that read the file again instead of the disk cache, <see cref="VaeOptions.DiskCache"/>;
/// with --unshuffled too, through a view that cannot shuffle: what the file's own shuffled order costs).
/// </summary>
public static class StreamBenchmark
{
    private const int StreamedBudget = 32;

    public static void Run(string[] args)
    {
        string Arg(string name, string fallback) => args.Contains(name) ? args[Array.IndexOf(args, name) + 1] : fallback;
        long rows = long.Parse(Arg("--rows", "1000000"));
        bool sorted = args.Contains("--sorted");
        switch (args.ElementAtOrDefault(1))
        {
            case "make":
                var table = new WideTable(rows, 0.01, seed: 1, sorted);
                var clock = Stopwatch.StartNew();
                if (args.Contains("--csv")) table.WriteCsv(Arg("--csv", ""));
                else Save(table, Arg("--idv", ""));
                Console.WriteLine($"{rows:N0} rows written in {clock.Elapsed.TotalSeconds:F0} s");
                break;
            case "fit":
                Fit(Arg("--data", ""), int.Parse(Arg("--epochs", "1")), int.Parse(Arg("--memory-budget", "256")));
                break;
            case "quality":
                Quality(rows, int.Parse(Arg("--first-seed", "1")), int.Parse(Arg("--seeds", "3")), sorted, args.Contains("--memory-only"),
                    SetFlags.Apply(args, new VaeOptions { Epochs = int.Parse(Arg("--epochs", "5")) }));
                break;
            case "read":
                Read(Arg("--data", ""), int.Parse(Arg("--rounds", "3")));
                break;
            case "speed":
                Speed(rows, int.Parse(Arg("--rounds", "3")), int.Parse(Arg("--epochs", "2")), args.Contains("--uncached"), args.Contains("--unshuffled"));
                break;
            default:
                throw new ArgumentException("usage: stream make|fit|quality|speed (see StreamBenchmark.cs)");
        }
    }

    private static void Save(IDataView view, string path)
    {
        var ml = new MLContext(1);
        using var file = File.Create(path);
        ml.Data.SaveAsBinary(view, file);
    }

    /// <summary>One Fit of the default model from a binary file, printing when each pass ends.</summary>
    private static void Fit(string path, int epochs, int budget)
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromBinary(path);
        var clock = Stopwatch.StartNew();
        var phase = TrainingPhase.Reading;
        int epoch = 0;
        var progress = new Inline(p =>
        {
            if (p.Phase != phase || p.Epoch != epoch) Console.WriteLine($"{clock.Elapsed.TotalSeconds,8:F1} s  {phase}{(epoch > 0 ? $" epoch {epoch}" : "")} done; {p.Phase} {p.RowsRead:N0} rows read");
            (phase, epoch) = (p.Phase, p.Epoch);
        });
        var model = ml.AnomalyDetection.Trainers.VariationalAutoencoder(new VaeOptions { Epochs = epochs, MemoryBudgetMegabytes = budget }).Fit(data, progress, default);
        var t = model.Training!;
        Console.WriteLine($"{clock.Elapsed.TotalSeconds,8:F1} s  fitted: {t.SamplesPerSecond:F0} rows/s in the epochs, train -ELBO {t.TrainNegElbo:F3}, threshold {model.Threshold.Value:G6}");
        Console.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MB, GC heap {GC.GetGCMemoryInfo().HeapSizeBytes >> 20} MB");
    }

    /// <summary>Test AUROC and -ELBO of models trained in memory and in passes on one file, seed by seed.</summary>
    private static void Quality(long rows, int firstSeed, int seeds, bool sorted, bool memoryOnly, VaeOptions options)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnetvae-stream-{Environment.ProcessId}.idv");
        Save(new WideTable(rows, 0.01, seed: 1, sorted), path);
        var test = new WideTable(20_000, 0.05, seed: 2);
        var ml = new MLContext(1);
        // ML.NET's anomaly evaluator takes a Single label (1 = anomaly); the table's is a Boolean.
        var labels = ml.Transforms.Conversion.ConvertType("Anomaly", "Label", DataKind.Single).Fit(test);
        var file = ml.Data.LoadFromBinary(path);
        var ways = new List<(string Name, IDataView Data, int Budget)> { ("in memory", file, 256) };
        if (!memoryOnly) ways.Add(($"in passes ({StreamedBudget} MB)", file, StreamedBudget));
        if (sorted && !memoryOnly) ways.Add(("in passes, no shuffle", new Unshuffled(file), StreamedBudget));
        int epochs = options.Epochs;
        Console.WriteLine($"{rows:N0} training rows{(sorted ? " sorted by mode and factor" : "")}, {epochs} epochs, learning rate {options.LearningRate:G3} " +
            $"with the last {options.LearningRateDecay:P0} of the steps decaying, default model otherwise; test: 20,000 rows, 5% anomalies");
        var results = ways.ToDictionary(w => w.Name, _ => new List<(double Auroc, double NegElbo, double DataNegElbo)>());
        for (int seed = firstSeed; seed < firstSeed + seeds; seed++)
            foreach (var (name, data, budget) in ways)
            {
                var clock = Stopwatch.StartNew();
                var model = ml.AnomalyDetection.Trainers.VariationalAutoencoder(options with { Seed = seed, MemoryBudgetMegabytes = budget }).Fit(data);
                // As an app gets them: ML.NET's anomaly evaluator on the transform, and its NegElbo column on the normal rows.
                var transformed = model.Transform(test);
                double auroc = ml.AnomalyDetection.Evaluate(labels.Transform(transformed), labelColumnName: "Anomaly").AreaUnderRocCurve;
                var perRow = ml.Data.CreateEnumerable<Scored>(transformed, reuseRowObject: false).Where(r => !r.Label)
                    .Select(r => (double)r.NegElbo).Order().ToArray();
                double negElbo = perRow.Average(), dataNegElbo = negElbo + LogScale(model.Model);
                results[name].Add((auroc, negElbo, dataNegElbo));
                // Where the mean comes from: the typical row, or a few rows the model fits badly.
                double median = perRow[perRow.Length / 2], trimmed = perRow.AsSpan(0, perRow.Length * 99 / 100).ToArray().Average();
                // The training -ELBO every fifth epoch and at the last: has it levelled off?
                var curve = model.Training!.History.Where(e => e.Epoch % 5 == 0 || e.Epoch == epochs).Select(e => $"{e.Epoch}: {e.NegElbo:F3}");
                Console.WriteLine($"seed {seed}  {name,-24} test AUROC {auroc:F4}  test -ELBO {negElbo:F3}, in the data's units {dataNegElbo:F3} " +
                    $"(median {median:F3}, without the worst 1% " +
                    $"{trimmed:F3})  ({clock.Elapsed.TotalSeconds:F0} s; " +
                    $"train -ELBO at epoch {string.Join(", ", curve)})");
            }
        foreach (var (name, r) in results)
            Console.WriteLine($"mean  {name,-24} test AUROC {r.Average(x => x.Auroc):F4}  test -ELBO {r.Average(x => x.NegElbo):F3}, " +
                $"in the data's units {r.Average(x => x.DataNegElbo):F3}");
        if (results.Count > 1)
        {
            var (memory, passes) = (results.Values.First(), results.Values.Skip(1).First());
            foreach (var (units, select) in new (string, Func<(double, double NegElbo, double DataNegElbo), double>)[]
                { ("model units", x => x.NegElbo), ("the data's units", x => x.DataNegElbo) })
            {
                double a = memory.Average(select), b = passes.Average(select);
                Console.WriteLine($"gap of the means, {units}: {Math.Abs(b - a):F3} nats a row = {Math.Abs(b - a) / Math.Abs(a):P2} of in memory's");
            }
        }
        File.Delete(path);
    }

    /// <summary>A scored test row: its label (true for an anomaly) and the transform's -ELBO.</summary>
    private sealed class Scored
    {
        public bool Label { get; set; }
        public float NegElbo { get; set; }
    }

    /// <summary>
    /// The sum of the logs of the input scales of the model's Gaussian features: -log p of a row in the data's own units is
    /// -log p in model units (standardized features) plus this, the log-Jacobian of the standardization. Each model fits
    /// its own standardization, so two models' -ELBOs on the same rows compare exactly only in the data's units.
    /// </summary>
    private static double LogScale(VaeModelParameters model)
    {
        var scale = model.State[VaeSpec.InputScale].Data;
        return model.Spec.Layout.Blocks.Where(b => b.Kind == FeatureKind.Gaussian)
            .Sum(b => Enumerable.Range(b.Start, b.Length).Sum(j => Math.Log(scale[j])));
    }

    /// <summary>What reading costs alone: passes over a binary file's features in order and in its shuffled order, alternating.</summary>
    private static void Read(string path, int rounds)
    {
        var ml = new MLContext(1);
        var file = ml.Data.LoadFromBinary(path);
        var blocks = new MlNetVae.ML.DataViewBlocks(file, file.Schema[new VaeOptions().FeatureColumnName]);
        // Also what each pass read: distinct row ids and the sum of the values, the same in either order.
        (double Micros, int Ids, double Sum) Pass(int? seed)
        {
            var clock = Stopwatch.StartNew();
            long rows = 0;
            var ids = new HashSet<ulong>();
            double sum = 0;
            foreach (var block in blocks.Read(seed, default))
            {
                rows += block.Count;
                foreach (ulong id in block.Keys.Span) ids.Add(id);
                foreach (float v in block.Rows.Span) sum += v;
            }
            return (clock.Elapsed.TotalSeconds * 1e6 / rows, ids.Count, sum);
        }
        for (int r = 0; r < rounds; r++)
        {
            var (inOrder, shuffled) = (Pass(null), Pass(r + 1));
            Console.WriteLine($"round {r + 1}: µs a row in order {inOrder.Micros:F2}, shuffled {shuffled.Micros:F2}; distinct rows {inOrder.Ids} and " +
                $"{shuffled.Ids}, sum of values {inOrder.Sum:G10} and {shuffled.Sum:G10}");
        }
    }

    /// <summary>Fit in memory and in passes on one file, alternating, a fresh estimator each time.</summary>
    private static void Speed(long rows, int rounds, int epochs, bool uncached, bool unshuffled)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnetvae-stream-{Environment.ProcessId}.idv");
        Save(new WideTable(rows, 0.01, seed: 1), path);
        var ml = new MLContext(1);
        var file = ml.Data.LoadFromBinary(path);
        (double Loop, double Fit) Time(int budget)
        {
            var clock = Stopwatch.StartNew();
            var data = unshuffled && budget == StreamedBudget ? new Unshuffled(file) : file;
            var model = ml.AnomalyDetection.Trainers.VariationalAutoencoder(new VaeOptions { Epochs = epochs, Seed = 1, MemoryBudgetMegabytes = budget, DiskCache = !uncached }).Fit(data);
            return (model.Training!.SamplesPerSecond, rows * epochs / clock.Elapsed.TotalSeconds);
        }
        Time(StreamedBudget);
        var ratios = new List<(double Loop, double Fit)>();
        for (int r = 0; r < rounds; r++)
        {
            // Alternate which goes first: the machine's load drifts.
            (double Loop, double Fit) memory, streamed;
            if (r % 2 == 0) (memory, streamed) = (Time(256), Time(StreamedBudget));
            else (streamed, memory) = (Time(StreamedBudget), Time(256));
            ratios.Add((streamed.Loop / memory.Loop, streamed.Fit / memory.Fit));
            Console.WriteLine($"round {r + 1}: epochs' rows/s in memory {memory.Loop:F0}, in passes {streamed.Loop:F0} ({ratios[^1].Loop:F2}x); "
                + $"whole Fit, rows x epochs / s: {memory.Fit:F0} vs {streamed.Fit:F0} ({ratios[^1].Fit:F2}x)");
        }
        static string Summary(IEnumerable<double> v) => $"median {v.Order().ElementAt(v.Count() / 2):F2}x ({v.Min():F2}-{v.Max():F2})";
        Console.WriteLine($"in passes / in memory: epochs {Summary(ratios.Select(r => r.Loop))}, whole Fit {Summary(ratios.Select(r => r.Fit))}");
        File.Delete(path);
    }

    /// <summary>A view that hides its source's shuffling: a file read only in order, as from a text loader.</summary>
    private sealed class Unshuffled(IDataView inner) : IDataView
    {
        public DataViewSchema Schema => inner.Schema;
        public bool CanShuffle => false;
        public long? GetRowCount() => inner.GetRowCount();
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => inner.GetRowCursor(columnsNeeded);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [inner.GetRowCursor(columnsNeeded)];
    }

    private sealed class Inline(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
