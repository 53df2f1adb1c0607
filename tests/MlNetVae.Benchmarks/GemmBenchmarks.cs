using BenchmarkDotNet.Attributes;
using MlNetVae.Engine;

namespace MlNetVae.Benchmarks;

/// <summary>Our SGEMM against OpenBLAS's cblas_sgemm on the VAE's shapes and 1024^3, at 1 and 2 threads.</summary>
public class GemmBenchmarks
{
    private Compute _compute = null!;
    private float[] _a = null!, _b = null!, _c = null!;

    public static IEnumerable<GemmShape> Shapes => GemmShape.All;

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _compute = new Compute(Threads);
        OpenBlas.SetThreads(Threads);
        (_a, _b, _c) = Shape.Allocate();
    }

    [Benchmark(Baseline = true)]
    public void OpenBlasSgemm() => Shape.RunOpenBlas(_a, _b, _c);

    [Benchmark]
    public void MlNetVaeGemm() => Shape.RunOurs(_compute, _a, _b, _c);
}
