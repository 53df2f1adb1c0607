using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using MlNetVae.Engine.Randomness;
using MlNetVae.Onnx;
using MlNetVae.Vae;

namespace MlNetVae.Benchmarks;

/// <summary>
/// Scorer throughput, managed engine vs ONNX Runtime, both on one thread, for the reference-sized model
/// (784-400-20, Bernoulli, random weights): batch 1 (how ML.NET feeds ONNX, row by row) and batch 1024.
/// </summary>
public class ScorerBenchmark
{
    private VaeInference _managed = null!, _ort = null!;
    private float[] _rows = [], _scores = [];

    /// <summary>Rows per call.</summary>
    [Params(1, 1024)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup() => (_managed, _ort, _rows, _scores) = Create(Batch);

    [GlobalCleanup]
    public void Cleanup()
    {
        _managed.Dispose();
        _ort.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void Managed() => _managed.Score(_rows, _scores);

    [Benchmark]
    public void OnnxRuntime() => _ort.Score(_rows, _scores);

    /// <summary>
    /// Side-by-side summary without BenchmarkDotNet: for each batch size, alternating rounds of managed and ORT
    /// scoring in one process, printing the median rows/s of each and their ratio (managed / ORT).
    /// </summary>
    public static void Summary(int rounds = 11, double secondsPerRound = 0.3)
    {
        Console.WriteLine("scorer, 784-400-20 Bernoulli, 1 thread: median rows/s over alternating rounds");
        foreach (int batch in new[] { 1, 1024 })
        {
            var (managed, ort, rows, scores) = Create(batch);
            using (managed)
            using (ort)
            {
                var m = new List<double>();
                var o = new List<double>();
                Measure(managed, rows, scores, 0.2);
                Measure(ort, rows, scores, 0.2);
                for (int r = 0; r < rounds; r++)
                {
                    m.Add(Measure(managed, rows, scores, secondsPerRound));
                    o.Add(Measure(ort, rows, scores, secondsPerRound));
                }
                double mm = Median(m), om = Median(o);
                Console.WriteLine($"batch {batch,5}: managed {mm,12:N0} rows/s   ONNX Runtime {om,12:N0} rows/s   ratio {mm / om:F2}x");
            }
        }
    }

    private static (VaeInference Managed, VaeInference Ort, float[] Rows, float[] Scores) Create(int batch)
    {
        // Bernoulli preprocessing (mean 0, scale 1) for 784 pixel columns; the weights stay at their seeded initialization.
        var options = new VaeOptions { Likelihood = LikelihoodKind.Bernoulli, Threads = 1 };
        var preprocessor = new Preprocessor(Enumerable.Repeat(ColumnKind.Bernoulli, 784).ToArray(), new float[784], Enumerable.Repeat(1f, 784).ToArray(), []);
        var model = new VaeModel(options, preprocessor);
        var rows = new float[batch * 784];
        var rng = new Rng(5);
        for (int i = 0; i < rows.Length; i++) rows[i] = rng.NextFloat();
        return (new VaeInference(model, InferenceBackend.Managed, threads: 1), new VaeInference(model, InferenceBackend.OnnxRuntime, threads: 1), rows, new float[batch]);
    }

    /// <summary>Rows per second scoring the same batch again and again for about <paramref name="seconds"/>.</summary>
    private static double Measure(VaeInference inference, float[] rows, float[] scores, double seconds)
    {
        long calls = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            inference.Score(rows, scores);
            calls++;
        }
        return calls * scores.Length / clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
