using BenchmarkDotNet.Running;
using MlNetVae.Benchmarks;

// `-- gemm-summary` prints the quoted GEMM table; anything else goes to BenchmarkDotNet
// (e.g. `-- --filter '*Gemm*'`).
if (args is ["gemm-summary", ..]) GemmSummary.Run();
else BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args);
