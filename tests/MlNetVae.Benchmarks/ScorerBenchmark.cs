using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetVae.Inference;
using MlNetVae.ML;
using MlNetVae.Onnx;
using MlNetVae.Spec;
using MlNetVae.Training;

namespace MlNetVae.Benchmarks;

/// <summary>
/// Scoring throughput of the reference-sized model (784-400-20, Bernoulli), side by side in one process:
/// <c>scorer-summary</c>: the managed scorer vs an ONNX Runtime session on the same scorer.onnx, one thread, batch 1 and 1024;
/// <c>transform</c>: the ML.NET transform (a cursor over its Score column) vs ML.NET's own ApplyOnnxModel on the same
/// graph, on the 10,000 Fashion-MNIST test images, then the peak memory of a transform over 1,000,000 generated rows.
/// </summary>
public static class ScorerBenchmark
{
    /// <summary>A 784-400-20 model with weights trained one epoch on Fashion-MNIST (so the scores are realistic).</summary>
    private static VaeModelParameters Model(float[] train)
    {
        var options = new VaeOptions { Epochs = 1, Likelihood = LikelihoodKind.Bernoulli, EncoderHidden = [400], LatentSize = 20, Backend = TrainingBackends.Managed };
        return VaeTrainer.Train(train.AsMemory(0, 10_000 * FashionMnist.Features), FashionMnist.Features, options).Model;
    }

    /// <summary>Managed vs ONNX Runtime on one thread, batch 1 and 1024: median rows/s over alternating rounds.</summary>
    public static void Summary(int rounds = 11, double secondsPerRound = 0.3)
    {
        var (train, _) = FashionMnist.Train();
        var model = Model(train);
        using var session = new InferenceSession(OnnxExport.Scorer(model), new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 });
        var scorer = new AnomalyScorer(model, threads: 1);
        Console.WriteLine("scorer, 784-400-20 Bernoulli, 1 thread: median rows/s over alternating rounds");
        foreach (int batch in new[] { 1, 1024 })
        {
            var rows = train.AsSpan(0, batch * FashionMnist.Features).ToArray();
            void Managed() => scorer.Score(rows);
            void Ort()
            {
                using var r = session.Run([NamedOnnxValue.CreateFromTensor(OnnxNames.Features, new DenseTensor<float>(rows, [batch, FashionMnist.Features]))], [OnnxNames.Score]);
            }
            var m = new List<double>();
            var o = new List<double>();
            Rate(Managed, batch, 0.2);
            Rate(Ort, batch, 0.2);
            for (int i = 0; i < rounds; i++)
            {
                m.Add(Rate(Managed, batch, secondsPerRound));
                o.Add(Rate(Ort, batch, secondsPerRound));
            }
            Console.WriteLine($"batch {batch,4}: managed {Median(m),9:F0} rows/s, ONNX Runtime {Median(o),9:F0} rows/s, ratio {Median(m) / Median(o):F2}x");
        }
    }

    /// <summary>
    /// The VAE step as an app runs it, against ML.NET's ApplyOnnxModel on the same scorer graph: the app builds its data
    /// with LoadFromEnumerable of float[] rows ([VectorType(784)]), fits the VAE through the catalog entry, and reads Score
    /// through a cursor; then the same pipeline saved, loaded with mlContext.Model.Load and restored with its one call
    /// (and, for reference, as ML.NET's loader alone gives it). Rounds alternate; ratios are per round. Then memory over a
    /// million rows.
    /// </summary>
    public static void Transform(string[] args)
    {
        int rounds = args.Contains("--rounds") ? int.Parse(args[Array.IndexOf(args, "--rounds") + 1]) : 5;
        var (train, _) = FashionMnist.Train();
        var (test, _) = FashionMnist.Test();
        var ml = new MLContext(seed: 1);
        IDataView Rows(float[] images, int count) => ml.Data.LoadFromEnumerable(Enumerable.Range(0, count)
            .Select(i => new ImageRow { Features = images.AsSpan(i * FashionMnist.Features, FashionMnist.Features).ToArray() }));
        var data = Rows(test, test.Length / FashionMnist.Features);
        var options = new VaeOptions { Epochs = 1, Likelihood = LikelihoodKind.Bernoulli, EncoderHidden = [400], LatentSize = 20 };
        var fitted = ml.AnomalyDetection.Trainers.VariationalAutoencoder(options).Fit(Rows(train, 10_000));
        var pipeline = new TransformerChain<ITransformer>(fitted);
        var zip = Path.Combine(Path.GetTempPath(), $"mlnetvae-transform-{Environment.ProcessId}.zip");
        ml.Model.Save(pipeline, data.Schema, zip);
        var loaded = ml.Model.Load(zip, out _);
        var restored = ml.Model.RestoreVariationalAutoencoder(loaded);
        var scorerFile = Path.Combine(Path.GetTempPath(), $"mlnetvae-scorer-{Environment.ProcessId}.onnx");
        // The graph the saved model holds (no contribution outputs: the transform adds no contribution columns by default).
        File.WriteAllBytes(scorerFile, OnnxExport.Scorer(fitted.Model, new ScorerExportOptions(Contributions: false)));
        var onnx = ml.Transforms.CopyColumns(OnnxNames.Features, "Features")
            .Append(ml.Transforms.ApplyOnnxModel([OnnxNames.Score], [OnnxNames.Features], scorerFile)).Fit(data);
        var runs = new (string Name, Func<double> Rate)[]
        {
            ("fitted", () => Count(pipeline.Transform(data), "Score", scalar: true)),
            ("restored", () => Count(restored.Transform(data), "Score", scalar: true)),
            ("loaded (no restore)", () => Count(loaded.Transform(data), "Score", scalar: true)),
            ("ApplyOnnxModel", () => Count(onnx.Transform(data), OnnxNames.Score, scalar: false)),
        };
        // --cold: no warm-up, as an app that scores once after training measures it (each run a fresh process).
        if (!args.Contains("--cold"))
            foreach (var run in runs) run.Rate();
        var rates = runs.ToDictionary(r => r.Name, _ => new List<double>());
        var ratios = runs.ToDictionary(r => r.Name, _ => new List<double>());
        for (int r = 0; r < rounds; r++)
        {
            var order = r % 2 == 0 ? runs : runs.Reverse().ToArray();
            var round = order.ToDictionary(x => x.Name, x => x.Rate());
            foreach (var (name, rate) in round)
            {
                rates[name].Add(rate);
                ratios[name].Add(rate / round["ApplyOnnxModel"]);
            }
            Console.WriteLine($"round {r + 1}: " + string.Join(", ", runs.Select(x => $"{x.Name} {round[x.Name]:F0} rows/s")));
        }
        Console.WriteLine("10,000 Fashion-MNIST test images (LoadFromEnumerable of float[] rows), 784-400-20 fitted through the catalog, cursor over Score:");
        foreach (var (name, _) in runs)
            Console.WriteLine($"  {name,-20} median {Median(rates[name]):F0} rows/s, {Median(ratios[name]):F2}x ApplyOnnxModel (per-round range {ratios[name].Min():F2}-{ratios[name].Max():F2})");
        File.Delete(scorerFile);
        File.Delete(zip);
        var transformer = fitted;

        // Memory: a transform over generated rows; the working set must not grow with the row count.
        foreach (int count in new[] { 100_000, 1_000_000 })
        {
            var generated = new GeneratedView(count, FashionMnist.Features);
            GC.Collect();
            long before = Process.GetCurrentProcess().WorkingSet64;
            var clock = Stopwatch.StartNew();
            double rate = Count(transformer.Transform(generated), transformer.Options.ScoreColumnName, scalar: true, maxRows: count);
            Process.GetCurrentProcess().Refresh();
            Console.WriteLine($"{count,9} generated rows: {rate:F0} rows/s; working set {before >> 20} MB before, {Process.GetCurrentProcess().WorkingSet64 >> 20} MB after, peak {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MB");
        }
    }

    /// <summary>Rows per second of a cursor reading one score column to the end.</summary>
    internal static double Count(IDataView view, string column, bool scalar, long maxRows = long.MaxValue)
    {
        var clock = Stopwatch.StartNew();
        var col = view.Schema[column];
        using var cursor = view.GetRowCursor([col]);
        long n = 0;
        double sum = 0;
        if (scalar)
        {
            var get = cursor.GetGetter<float>(col);
            float v = 0;
            while (n < maxRows && cursor.MoveNext()) { get(ref v); sum += v; n++; }
        }
        else
        {
            var get = cursor.GetGetter<VBuffer<float>>(col);
            var v = default(VBuffer<float>);
            while (n < maxRows && cursor.MoveNext()) { get(ref v); sum += v.GetValues()[0]; n++; }
        }
        if (double.IsNaN(sum)) throw new InvalidOperationException("NaN score");
        return n / clock.Elapsed.TotalSeconds;
    }

    private static double Rate(Action run, int rows, double seconds)
    {
        var clock = Stopwatch.StartNew();
        long n = 0;
        while (clock.Elapsed.TotalSeconds < seconds) { run(); n += rows; }
        return n / clock.Elapsed.TotalSeconds;
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>One image as an app declares it.</summary>
    public sealed class ImageRow
    {
        /// <summary>The 784 pixels.</summary>
        [VectorType(784)] public float[] Features { get; set; } = [];
    }

    /// <summary>An IDataView of <c>count</c> generated image-like rows, made on the fly (nothing held).</summary>
    private sealed class GeneratedView(long count, int features) : IDataView
    {
        public DataViewSchema Schema { get; } = Build(features);
        public bool CanShuffle => false;
        public long? GetRowCount() => count;
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this, count, features);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded)];

        private static DataViewSchema Build(int features)
        {
            var b = new DataViewSchema.Builder();
            b.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, features));
            return b.ToSchema();
        }

        private sealed class Cursor(GeneratedView view, long count, int features) : DataViewRowCursor
        {
            private long _position = -1;
            public override DataViewSchema Schema => view.Schema;
            public override long Position => _position;
            public override long Batch => 0;
            public override bool MoveNext() => ++_position < count;
            public override bool IsColumnActive(DataViewSchema.Column column) => true;
            public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
                (ValueGetter<TValue>)(Delegate)(ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) =>
                {
                    var e = VBufferEditor.Create(ref v, features);
                    for (int j = 0; j < features; j++) e.Values[j] = ((_position * 31 + j * 7) % 97) / 97f;
                    v = e.Commit();
                });
        }
    }
}
