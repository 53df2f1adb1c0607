using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MlNetVae.Engine;
using MlNetVae.Engine.Randomness;
using MlNetVae.Inference;
using MlNetVae.Tests.Scores;
using MlNetVae.Training;

namespace MlNetVae.Benchmarks;

/// <summary>
/// Issue 21's acceptance: does the largest FeatureContributions entry name what broke?
/// <c>explain --tables</c>: tables whose anomalies each break one known column (<see cref="BrokenColumns"/>), several seeds;
/// prints each confusion between broken and named columns and the share named right.
/// <c>explain --images</c>: per Fashion-MNIST class, the image defaults trained on its 6,000 training images; its 1,000 test
/// images each get a foreign 6x6 patch at a random place, a bright square or a piece of an image of another class; prints
/// how often the anomaly map's largest pixel lies inside the patch (and within one pixel of it, the map being 3x3-smoothed),
/// for all patched images, for those whose patch changes its pixels by at least 0.25 on average (a bright square on a
/// white shirt changes nothing) and for those the model flags (above the default threshold): for the images' default
/// score, then for the other scores with a feature part. <c>--dump DIR</c> writes, per class, the model's outputs on its
/// training images, on the 10,000 test images and on both kinds of patched images, with the patches' places
/// (<see cref="RowDump.Outputs"/>), for offline study of candidate maps (tests/reference/anomaly_map_study.py); it
/// prints the default score only.
/// <c>explain --cost</c>: what the contribution columns cost the transform of the <c>transform</c> mode (10,000 Fashion-MNIST
/// test images, 784-400-20): fitted with and without them, reading Score only or the contributions too, the loaded model
/// (ONNX Runtime computes every output of its graph), and CreateEnumerable of every column; rounds alternate.
/// Usage: <c>explain [--tables [--seeds N] [--numeric N] [--categorical N] [--train N]] [--images [--classes 0,1,..] [--epochs N]
/// [--figures DIR] [--dump DIR] [--set flag=value ...]] [--cost [--rounds N]]</c>; with neither --tables nor --images nor --cost, tables and images.
/// </summary>
public static class ExplainBenchmark
{
    public static void Run(string[] args)
    {
        var clock = Stopwatch.StartNew();
        bool all = !args.Contains("--tables") && !args.Contains("--images") && !args.Contains("--cost");
        if (all || args.Contains("--tables")) Tables(args);
        if (all || args.Contains("--images")) Images(args);
        if (args.Contains("--cost")) Cost(args);
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

    private static void Cost(string[] args)
    {
        int rounds = Int(args, "--rounds", 5);
        var (train, _) = FashionMnist.Train();
        var (test, _) = FashionMnist.Test();
        var ml = new Microsoft.ML.MLContext(seed: 1);
        Microsoft.ML.IDataView Rows(float[] images, int count) => ml.Data.LoadFromEnumerable(Enumerable.Range(0, count)
            .Select(i => new ScorerBenchmark.ImageRow { Features = images.AsSpan(i * Pixels, Pixels).ToArray() }));
        var data = Rows(test, test.Length / Pixels);
        var options = new VaeOptions { Epochs = 1, Likelihood = LikelihoodKind.Bernoulli, EncoderHidden = [400], LatentSize = 20 };
        var plain = ml.AnomalyDetection.Trainers.VariationalAutoencoder(options).Fit(Rows(train, 10_000));
        var explained = ml.AnomalyDetection.Trainers.VariationalAutoencoder(options with { OutputColumns = VaeColumns.All }).Fit(Rows(train, 10_000));
        Microsoft.ML.ITransformer Loaded(VaeTransformer t)
        {
            using var stream = new MemoryStream();
            ml.Model.Save(new Microsoft.ML.Data.TransformerChain<Microsoft.ML.ITransformer>(t), data.Schema, stream);
            stream.Position = 0;
            return ml.Model.Load(stream, out _);
        }
        var (loadedPlain, loadedExplained) = (Loaded(plain), Loaded(explained));
        double Both(Microsoft.ML.IDataView view)
        {
            var clock = Stopwatch.StartNew();
            var columns = new[] { view.Schema["Score"], view.Schema["FeatureContributions"] };
            using var cursor = view.GetRowCursor(columns);
            var score = cursor.GetGetter<float>(columns[0]);
            var map = cursor.GetGetter<Microsoft.ML.Data.VBuffer<float>>(columns[1]);
            float s = 0;
            var m = default(Microsoft.ML.Data.VBuffer<float>);
            long n = 0;
            while (cursor.MoveNext()) { score(ref s); map(ref m); n++; }
            return n / clock.Elapsed.TotalSeconds;
        }
        double Enumerate<T>(Microsoft.ML.ITransformer t) where T : class, new()
        {
            var clock = Stopwatch.StartNew();
            long n = ml.Data.CreateEnumerable<T>(t.Transform(data), reuseRowObject: true).LongCount();
            return n / clock.Elapsed.TotalSeconds;
        }
        var runs = new (string Name, Func<double> Rate)[]
        {
            ("fitted, Score", () => ScorerBenchmark.Count(plain.Transform(data), "Score", scalar: true)),
            ("fitted with contributions, Score", () => ScorerBenchmark.Count(explained.Transform(data), "Score", scalar: true)),
            ("fitted with contributions, Score + FeatureContributions", () => Both(explained.Transform(data))),
            ("loaded, Score", () => ScorerBenchmark.Count(loadedPlain.Transform(data), "Score", scalar: true)),
            ("loaded with contributions, Score", () => ScorerBenchmark.Count(loadedExplained.Transform(data), "Score", scalar: true)),
            ("CreateEnumerable, the five columns", () => Enumerate<Scored>(plain)),
            ("CreateEnumerable, the seven columns", () => Enumerate<Explained>(explained)),
        };
        foreach (var run in runs) run.Rate();
        var rates = runs.ToDictionary(r => r.Name, _ => new List<double>());
        for (int r = 0; r < rounds; r++)
        {
            foreach (var run in r % 2 == 0 ? runs : runs.Reverse()) rates[run.Name].Add(run.Rate());
            Console.WriteLine($"round {r + 1}: " + string.Join(", ", runs.Select(x => $"{x.Name} {rates[x.Name][^1]:F0}")));
        }
        Console.WriteLine("contribution columns, 10,000 Fashion-MNIST test images, 784-400-20 Bernoulli (rows/s, median of rounds; ratio to the same run without them, per round: median (range)):");
        foreach (var (with, without) in new[] { (1, 0), (2, 0), (4, 3), (6, 5) })
        {
            var ratios = rates[runs[with].Name].Zip(rates[runs[without].Name], (a, b) => a / b).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {runs[with].Name,-58} {ScorerBenchmark.Median(rates[runs[with].Name]),8:F0} vs {runs[without].Name} {ScorerBenchmark.Median(rates[runs[without].Name]),8:F0}: {ScorerBenchmark.Median(ratios):F3}x ({ratios.Min():F3}-{ratios.Max():F3})"));
        }
    }

    /// <summary>The five default columns, as an app reads them with CreateEnumerable.</summary>
    public class Scored
    {
        public float Score { get; set; }
        public bool PredictedLabel { get; set; }
        public float[] LatentMean { get; set; } = [];
        public float[] Reconstruction { get; set; } = [];
        public float NegElbo { get; set; }
    }

    /// <summary>Every column, the contributions included.</summary>
    public sealed class Explained : Scored
    {
        public float[] FeatureContributions { get; set; } = [];
        public float LatentContribution { get; set; }
    }

    private const int Side = 28, Patch = 6, Pixels = Side * Side;

    private static void Images(string[] args)
    {
        var classes = (args.SkipWhile(a => a != "--classes").Skip(1).FirstOrDefault() ?? "0,1,2,3,4,5,6,7,8,9").Split(',').Select(int.Parse).ToArray();
        string? figures = args.SkipWhile(a => a != "--figures").Skip(1).FirstOrDefault();
        if (figures is not null) Directory.CreateDirectory(figures);
        string? dump = args.SkipWhile(a => a != "--dump").Skip(1).FirstOrDefault();
        var options = SetFlags.Apply(args, new VaeOptions { ImageShape = [1, Side, Side], Epochs = Int(args, "--epochs", 40) });
        var (trainImages, trainLabels) = FashionMnist.Train();
        var (testImages, testLabels) = FashionMnist.Test();
        var byDefault = VaeSpec.DefaultScore(convolutional: true);
        // The default first; then every other score with a feature part, for comparison (LatentMahalanobis has none).
        var scores = AnomalyScores.Deterministic.Where(s => s != AnomalyScore.LatentMahalanobis).OrderBy(s => s != byDefault).ToArray();
        var totals = new Dictionary<(string Kind, AnomalyScore Score), Hits>();
        foreach (int c in classes)
        {
            var train = FashionMnist.Rows(trainImages, trainLabels, l => l == c);
            var model = VaeTrainer.Train(train, Pixels, options).Model;
            var scorer = new AnomalyScorer(model.WithScoreStatistics(StatisticsFitter.Fit(model, train, scores, Compute.Shared(0))));
            var test = FashionMnist.Rows(testImages, testLabels, l => l == c);
            var others = FashionMnist.Rows(testImages, testLabels, l => l != c);
            string? folder = dump is null ? null : Path.Combine(dump, $"class{c}");
            if (folder is not null)
            {
                RowDump.Outputs(folder, "train", scorer, train);
                RowDump.Outputs(folder, "test", scorer, testImages);
                RowDump.Npy(Path.Combine(folder, "test_labels.npy"), testLabels.Select(l => (float)l).ToArray(), [testLabels.Length]);
            }
            foreach (var kind in new[] { "bright square", "piece of another class" })
            {
                var (patched, places) = Pasted(test, others, kind == "bright square", seed: 100 + c);
                if (folder is not null)
                {
                    string part = kind == "bright square" ? "square" : "piece";
                    RowDump.Outputs(folder, part, scorer, patched);
                    RowDump.Npy(Path.Combine(folder, $"{part}_places.npy"), places.SelectMany(p => new float[] { p.Row, p.Column }).ToArray(), [places.Length, 2]);
                }
                foreach (var score in dump is null ? scores : [byDefault])
                {
                    // Flagged: above the default threshold, the 90th percentile of the training images' scores (Contamination 0.1).
                    double cut = scorer.Score(train, score).Order().ElementAt(train.Length / Pixels * 9 / 10);
                    var (map, _) = scorer.Contributions(patched, score);
                    var hits = Hits.Of(map, test, patched, places, [.. scorer.Score(patched, score).Select(v => v > cut)]);
                    totals[(kind, score)] = totals.GetValueOrDefault((kind, score)) + hits;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"class {c}, {kind}, {score}{(score == byDefault ? " (default)" : "")}: {hits}"));
                    if (figures is not null && c == classes[0] && score == byDefault)
                        MlNetVae.Cli.Report.ImageGrid.AnomalyMaps(figures, Enumerable.Range(0, 10).Select(i => patched.AsSpan(i * Pixels, Pixels).ToArray()).ToArray(),
                            Enumerable.Range(0, 10).Select(i => map.AsSpan(i * Pixels, Pixels).ToArray()).ToArray(), scorer.Score(patched.AsSpan(0, 10 * Pixels), score),
                            (Side, Side), stem: $"anomaly-maps-class{c}-{(kind == "bright square" ? "square" : "piece")}");
                }
            }
        }
        foreach (var ((kind, score), hits) in totals)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"images, {classes.Length} classes, {kind}, {score}{(score == byDefault ? " (default)" : "")}: {hits}"));
    }

    /// <summary>
    /// How often the anomaly map's largest pixel lies in the patch: of all patched images, of those the patch visibly
    /// changed, and of those the model flags.
    /// </summary>
    private readonly record struct Hits(int Inside, int Near, int Count, int VisibleInside, int Visible, int FlaggedInside, int Flagged)
    {
        public static Hits operator +(Hits a, Hits b) => new(a.Inside + b.Inside, a.Near + b.Near, a.Count + b.Count,
            a.VisibleInside + b.VisibleInside, a.Visible + b.Visible, a.FlaggedInside + b.FlaggedInside, a.Flagged + b.Flagged);

        /// <summary>The hits of <paramref name="map"/> (flat [images, pixels]) on the patches at <paramref name="places"/>.</summary>
        public static Hits Of(float[] map, float[] before, float[] after, (int Row, int Column)[] places, bool[] flagged)
        {
            var hits = new Hits();
            for (int i = 0; i < places.Length; i++)
            {
                var row = map.AsSpan(i * Pixels, Pixels);
                int top = row.IndexOf(System.Numerics.Tensors.TensorPrimitives.Max(row));
                var (r, c) = places[i];
                bool inside = In(top / Side, r, 0) && In(top % Side, c, 0), visible = Change(before, after, i, r, c) >= 0.25;
                hits += new Hits(inside ? 1 : 0, In(top / Side, r, 1) && In(top % Side, c, 1) ? 1 : 0, 1, visible && inside ? 1 : 0, visible ? 1 : 0,
                    flagged[i] && inside ? 1 : 0, flagged[i] ? 1 : 0);
            }
            return hits;
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"map maximum inside the patch {Inside / (double)Count:P1} ({Inside}/{Count}), within 1 pixel {Near / (double)Count:P1}; patches changing pixels by >= 0.25 on average: {VisibleInside / (double)Math.Max(1, Visible):P1} ({VisibleInside}/{Visible}); flagged images: {FlaggedInside / (double)Math.Max(1, Flagged):P1} ({FlaggedInside}/{Flagged})");
    }

    /// <summary>True when <paramref name="p"/> lies in [start - margin, start + Patch + margin).</summary>
    private static bool In(int p, int start, int margin) => p >= start - margin && p < start + Patch + margin;

    /// <summary>
    /// Copies of <paramref name="images"/>, each with a 6x6 patch at a random place: white (1), or the 6x6 window of a
    /// random image of <paramref name="others"/> around which it has the most ink. Returns the patches' top-left corners.
    /// </summary>
    private static (float[] Patched, (int Row, int Column)[] Places) Pasted(float[] images, float[] others, bool square, int seed)
    {
        var rng = new Rng((ulong)seed);
        var patched = (float[])images.Clone();
        int n = images.Length / Pixels;
        var places = new (int, int)[n];
        for (int i = 0; i < n; i++)
        {
            int r = rng.NextInt(Side - Patch + 1), c = rng.NextInt(Side - Patch + 1);
            places[i] = (r, c);
            var source = others.AsSpan(rng.NextInt(others.Length / Pixels) * Pixels, Pixels);
            var (sr, sc) = square ? (0, 0) : Inkiest(source, rng);
            for (int y = 0; y < Patch; y++)
                for (int x = 0; x < Patch; x++)
                    patched[i * Pixels + (r + y) * Side + c + x] = square ? 1f : source[(sr + y) * Side + sc + x];
        }
        return (patched, places);
    }

    /// <summary>Of 20 random 6x6 windows of <paramref name="image"/>, the one with the most ink: a piece that shows something.</summary>
    private static (int Row, int Column) Inkiest(ReadOnlySpan<float> image, Rng rng)
    {
        var best = (0, 0);
        double most = -1;
        for (int t = 0; t < 20; t++)
        {
            int r = rng.NextInt(Side - Patch + 1), c = rng.NextInt(Side - Patch + 1);
            double ink = 0;
            for (int y = 0; y < Patch; y++)
                for (int x = 0; x < Patch; x++) ink += image[(r + y) * Side + c + x];
            if (ink > most) (most, best) = (ink, (r, c));
        }
        return best;
    }

    /// <summary>The mean absolute change the patch of image <paramref name="i"/> made to its pixels.</summary>
    private static double Change(float[] before, float[] after, int i, int r, int c)
    {
        double sum = 0;
        for (int y = 0; y < Patch; y++)
            for (int x = 0; x < Patch; x++) sum += Math.Abs(after[i * Pixels + (r + y) * Side + c + x] - before[i * Pixels + (r + y) * Side + c + x]);
        return sum / (Patch * Patch);
    }

    private static int Int(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
