using System.Diagnostics;
using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Randomness;
using MlNetVae.Spec;
using MlNetVae.Training;

namespace MlNetVae.Benchmarks;

/// <summary>
/// Where one training step of the managed engine goes: the reference VAE and the default image model, each trained on
/// Fashion-MNIST batches of 128 for a number of steps, with the tape timing every op (forward and backward) and the rest
/// of the step (zeroing the parameter gradients, Adam, copying the batch in) timed as a whole. Ops are grouped by kind;
/// GEMM-backed ops (matrix products, Linear layers, convolutions, each with any ReLU folded into it) carry their output shape. MB is the size of each op's output per step
/// (forward writes it, backward reads its gradient of the same size), a lower bound on the bytes the op moves. On more
/// than one thread the step is also split into its parallel regions by job type (<see cref="MlNetVae.Engine.RegionTimings"/>)
/// and the rest, which runs on the calling thread alone while the other threads wait.
/// Usage: <c>profile [--model dense|conv] [--threads 2] [--steps 300]</c>.
/// </summary>
public static class StepProfile
{
    public static void Run(string[] args)
    {
        int threads = VaeTrainingBenchmark.Option(args, "--threads", 2), steps = VaeTrainingBenchmark.Option(args, "--steps", 300);
        int at = Array.IndexOf(args, "--model");
        string only = at >= 0 && at + 1 < args.Length ? args[at + 1] : "";
        var (train, _) = FashionMnist.Train();
        var peaks = MachineLimit.Measure();
        if (only != "conv") Profile("reference VAE 784-400-20", VaeTrainingBenchmark.ReferenceOptions(1, threads), train, steps, peaks);
        if (only != "dense") Profile("default image model (conv 32-64, dense 256, latent 8)", VaeTrainingBenchmark.ImageOptions(1, threads), train, steps, peaks);
    }

    private static void Profile(string name, VaeOptions options, float[] train, int steps, MachineLimit.Peaks peaks)
    {
        var statistics = FeatureStatistics.Fit(train, FashionMnist.Features, options);
        var spec = VaeSpec.Resolve(options, statistics.Layout);
        using var backend = new ManagedBackend(spec, spec.Initialize(statistics, 1), spec.Options);
        int rows = spec.BatchSize, d = spec.Features, k = spec.LatentSize, count = train.Length / d;
        var batch = new float[rows * d];
        var noise = new float[rows * k];
        var rng = new Rng(7);
        var forward = new Dictionary<string, (double Ticks, double Floats, int Ops)>();
        var backward = new Dictionary<string, double>();
        double clear = 0, rest = 0, total = 0;
        const int WarmUp = 50;
        var regions = backend.Tape.Compute.Timings = new RegionTimings();
        for (int step = 0; step < WarmUp + steps; step++)
        {
            if (step == WarmUp) regions.Clear();
            for (int r = 0; r < rows; r++) train.AsSpan(rng.NextInt(count) * d, d).CopyTo(batch.AsSpan(r * d, d));
            rng.FillNormal(noise);
            var timings = backend.Tape.Timings ??= new TapeTimings(4096);
            long start = Stopwatch.GetTimestamp();
            backend.Step(batch, noise, rows, 1f, 1e-3f);
            long end = Stopwatch.GetTimestamp();
            if (step < WarmUp) continue;
            var tape = backend.Tape;
            int n = tape.Count;
            total += end - start;
            clear += timings.BackwardStart - timings.BackwardCall;
            rest += end - start - (timings.BackwardEnd[0] - timings.Recorded[0]);
            for (int i = 0; i < n; i++)
            {
                var node = tape[i];
                string kind = Kind(node);
                long next = i + 1 < n ? timings.Recorded[i + 1] : timings.BackwardCall;
                var f = forward.GetValueOrDefault(kind);
                forward[kind] = (f.Ticks + next - timings.Recorded[i], f.Floats + node.Value.Length, f.Ops + 1);
                long later = i + 1 < n ? timings.BackwardEnd[i + 1] : timings.BackwardStart;
                backward[kind] = backward.GetValueOrDefault(kind) + (node.RequiresGrad ? timings.BackwardEnd[i] - later : 0);
            }
        }
        double perStep = 1000.0 / Stopwatch.Frequency / steps; // ticks summed over the steps -> ms per step
        double stepMs = total * perStep;
        double flops = MachineLimit.TrainingFlopsPerSample(spec);
        double samplesPerSecond = rows / (stepMs / 1000);
        Console.WriteLine();
        Console.WriteLine($"{name}, batch {rows}, {options.Threads} threads, {steps} steps: {stepMs:F3} ms per step, {samplesPerSecond:N0} samples/s, " +
            MachineLimit.Fraction(peaks, options.Threads, flops, samplesPerSecond));
        Console.WriteLine($"{"op kind",-34} {"ops",4} {"fwd ms",8} {"bwd ms",8} {"share",6} {"MB",7}");
        double gemm = 0;
        foreach (var (kind, f) in forward.OrderByDescending(e => e.Value.Ticks + backward[e.Key]))
        {
            double ms = (f.Ticks + backward[kind]) * perStep;
            if (IsGemm(kind)) gemm += ms;
            Console.WriteLine($"{kind,-34} {f.Ops / steps,4} {f.Ticks * perStep,8:F3} {backward[kind] * perStep,8:F3} {ms / stepMs,6:P1} {f.Floats * 4 / steps / 1e6,7:F2}");
        }
        Console.WriteLine($"{"clearing node gradients",-34} {"",4} {"",8} {clear * perStep,8:F3} {clear / total,6:P1}");
        Console.WriteLine($"{"rest: Adam, zero grads, batch copy",-34} {"",4} {"",8} {"",8} {rest / total,6:P1} {28.0 * spec.Tensors.Where(t => t.Role == TensorRole.Parameter).Sum(t => t.Length) / 1e6,7:F2}");
        Console.WriteLine($"GEMM-backed ops (matrix products, convolutions): {gemm:F3} ms per step, {gemm / stepMs:P1} of the step; " +
            $"at the peak they would take {flops * rows / (options.Threads == 1 ? peaks.One : peaks.Two) / 1e6:F3} ms");
        backend.Tape.Compute.Timings = null;
        if (options.Threads > 1) PrintRegions(regions, steps, stepMs, perStep);
    }

    // The step split into the parallel regions (every thread working, by job type) and what is left, which runs on the
    // calling thread alone while the others wait: the part of the step a second core cannot speed up as written.
    private static void PrintRegions(RegionTimings regions, int steps, double stepMs, double perStep)
    {
        double inside = regions.ByJob.Values.Sum(r => r.Ticks) * perStep;
        Console.WriteLine($"parallel regions: {inside:F3} ms per step, {inside / stepMs:P1} of the step, " +
            $"{regions.ByJob.Values.Sum(r => r.Count) / (double)steps:F1} regions a step:");
        foreach (var (job, (ticks, count)) in regions.ByJob.OrderByDescending(e => e.Value.Ticks))
        {
            string name = job.Name.Split('`')[0];
            if (job.IsGenericType) name += $"<{string.Join(", ", job.GetGenericArguments().Select(a => a.Name))}>";
            if (job.DeclaringType is { } outer) name = $"{outer.Name.Split('`')[0]}.{name}";
            Console.WriteLine($"  {name,-42} {count / (double)steps,4:F1} {ticks * perStep,8:F3} ms {ticks * perStep / stepMs,6:P1}");
        }
        Console.WriteLine($"one thread (the rest of the step, the other threads waiting): {stepMs - inside:F3} ms, {(stepMs - inside) / stepMs:P1}");
    }

    private static string Kind(Node node)
    {
        string type = node.GetType().Name;
        type = type.EndsWith("Node", StringComparison.Ordinal) ? type[..^4] : type;
        return IsGemm(type) ? $"{type} [{string.Join(", ", node.Value.Shape.ToArray())}]" : type;
    }

    private static bool IsGemm(string kind) =>
        kind.StartsWith("MatMul", StringComparison.Ordinal) || kind.StartsWith("Linear", StringComparison.Ordinal) || kind.StartsWith("Conv", StringComparison.Ordinal);
}
