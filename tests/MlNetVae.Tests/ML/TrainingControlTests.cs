using System.Text.Json;
using Microsoft.ML;
using MlNetVae.ML;
using MlNetVae.Tests.Cli;
using MlNetVae.Training;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>Cancellation of training, and ONNX Runtime asked for a GPU on a machine without CUDA.</summary>
public class TrainingControlTests
{
    private static readonly MLContext Ml = new(seed: 1);

    /// <summary>Reports synchronously (Progress&lt;T&gt; posts to the thread pool, too late to count).</summary>
    private sealed class Reports(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }

    [Test]
    public void CancellingStopsTrainingWithinAFewSteps()
    {
        var rows = SensorRows.Features(Ml, SensorRows.Make(2000, seed: 6).Select(r => new[] { r.A, r.B, r.C, r.D }).ToArray(), 4);
        using var cancel = new CancellationTokenSource();
        var seen = new List<TrainingProgress>();
        int afterCancel = 0;
        var progress = new Reports(p =>
        {
            if (cancel.IsCancellationRequested) afterCancel++;
            seen.Add(p);
            if (p.Epoch == 2) cancel.Cancel();
        });
        // 100000 epochs would run for hours: only cancellation ends this call.
        Assert.Catch<OperationCanceledException>(() => Estimators.For(SensorRows.Tiny with { Epochs = 100_000 }).Fit(rows, progress, cancel.Token));
        Assert.That(seen.Max(p => p.Epoch), Is.EqualTo(2), "stopped in the epoch it was cancelled in");
        Assert.That(afterCancel, Is.LessThanOrEqualTo(1), "at most the report of the step in flight");

        var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        int reports = 0;
        Assert.Catch<OperationCanceledException>(() => Estimators.For(SensorRows.Tiny).Fit(rows, new Reports(_ => reports++), cancelled.Token));
        Assert.That(reports, Is.Zero, "an already-cancelled token stops before the first report");
    }

    [Test]
    public void AGpuThatIsNotThereIsNamedOnceAndTheScoresAreTheCpusOnes()
    {
        var f = CliFixture.Get();
        var (code, stdout, stderr) = ChildProcess.TestWriter(120, "gpu", f.CsvModel, f.TestCsv);
        Assert.That(code, Is.EqualTo(0), stderr);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.Length > 0 && l != "\u001b[m").ToArray();
        TestContext.Out.WriteLine(stderr);
        var notice = lines.Where(l => l.StartsWith("MLContext.Log warning: CUDA device 0 is not available here", StringComparison.Ordinal)).ToArray();
        Assert.That(notice, Has.Length.EqualTo(1), "said once for two transformers");
        Assert.That(notice[0], Does.EndWith("; ONNX Runtime runs on the CPU."));
        Assert.That(lines.Length, Is.LessThanOrEqualTo(2), "besides the notice, at most ONNX Runtime's own one-time log line: " + stderr);
        var scores = JsonSerializer.Deserialize<Dictionary<string, string[]>>(stdout)!;
        Assert.That(scores["gpu"], Has.Length.EqualTo(30));
        Assert.That(scores["gpu"], Is.EqualTo(scores["cpu"]), "bit-identical to ONNX Runtime on the CPU");
        Assert.That(scores["gpu_again"], Is.EqualTo(scores["cpu"]));
    }
}
