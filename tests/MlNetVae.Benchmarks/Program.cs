using BenchmarkDotNet.Running;
using MlNetVae.Benchmarks;

// Summary modes print the tables we quote; anything else goes to BenchmarkDotNet (e.g. `-- --filter '*Gemm*'`).
//   gemm-summary     GEMM GFLOP/s vs OpenBLAS at the reference VAE's shapes and 1024^3, 1 and 2 threads
//   vae              reference VAE here and in PyTorch, side by side (quality and throughput)
//   conv             conv encoder + transposed-conv decoder, forward + backward, here and in PyTorch (images/s)
//   backends         reference VAE on the managed engine, TorchSharp and PyTorch 1.13 (throughput rounds, test -ELBO)
//   scorer-summary   scorer rows/s, managed engine vs ONNX Runtime, one thread, batch 1 and 1024
//   defaults         default-score AUROC on the demo, breast cancer and the tabular sample, defaults vs an lr x batch sweep
//   transform        the ML.NET transform vs ApplyOnnxModel on 10,000 test images; memory over 1,000,000 rows
//   limit            peak OpenBLAS sgemm on 1 and 2 threads, both models' FLOPs per training sample and GEMM-bound limits
//   profile          time per op kind of one training step of the reference VAE and of the default image model
//   anomaly          one-class AUROC of every score vs sklearn's detectors: Fashion-MNIST (full, 690 per class), sklearn's 8x8 digits, breast cancer
//   stream           training on data larger than memory: make a table, fit it (peak memory), quality and speed vs in memory
//   explain          does the largest feature contribution name what broke (generated tables, patched Fashion-MNIST images)
switch (args)
{
    case ["gemm-summary", ..]: GemmSummary.Run(); break;
    case ["vae", ..]: VaeTrainingBenchmark.Run(args); break;
    case ["conv", ..]: ConvBenchmark.Run(args); break;
    case ["backends", ..]: BackendBenchmark.Run(args); break;
    case ["scorer-summary", ..]: ScorerBenchmark.Summary(); break;
    case ["transform", ..]: ScorerBenchmark.Transform(args); break;
    case ["defaults", ..]: DefaultsSweep.Run(args); break;
    case ["limit", ..]: MachineLimit.Run(); break;
    case ["profile", ..]: StepProfile.Run(args); break;
    case ["anomaly", ..]: AnomalyBenchmark.Run(args); break;
    case ["stream", ..]: StreamBenchmark.Run(args); break;
    case ["explain", ..]: ExplainBenchmark.Run(args); break;
    default: BenchmarkSwitcher.FromAssembly(typeof(VaeTrainingBenchmark).Assembly).Run(args); break;
}
