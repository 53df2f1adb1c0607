using BenchmarkDotNet.Running;
using MlNetVae.Benchmarks;

// `-- vae` trains the reference VAE here and in PyTorch side by side; `-- anomaly` runs issue 6's one-class
// anomaly harness against sklearn's detectors; anything else goes to BenchmarkDotNet.
if (args is ["vae", ..]) VaeTrainingBenchmark.Run(args);
else if (args is ["anomaly", ..]) AnomalyBenchmark.Run(args);
else BenchmarkSwitcher.FromAssembly(typeof(VaeTrainingBenchmark).Assembly).Run(args);
