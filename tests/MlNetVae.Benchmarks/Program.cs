using BenchmarkDotNet.Running;
using MlNetVae.Benchmarks;

// `-- vae` trains the reference VAE here and in PyTorch side by side; anything else goes to BenchmarkDotNet.
if (args is ["vae", ..]) VaeTrainingBenchmark.Run(args);
else BenchmarkSwitcher.FromAssembly(typeof(VaeTrainingBenchmark).Assembly).Run(args);
