using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using MlNetVae.Cli;
using MlNetVae.Tests.Cli.Data;
using MlNetVae.Tests.Cli.Output;
using MlNetVae.Tests.ML;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli;

/// <summary>
/// The real mlnetvae process killed while <c>train --out</c> replaces an existing model: kill -9 at any moment leaves
/// a valid model (the old one or the new one), and the next write removes the temporary file it left; SIGINT and
/// SIGTERM stop it with exit code 130, the old model untouched and nothing left behind.
/// </summary>
public class KillTests
{
    private const int Epochs = 4;

    /// <summary>2000 rows of 6 readings: training takes about half a second, so kills land at every stage.</summary>
    private static string Data(Files files)
    {
        var rows = SensorRows.Make(2000, seed: 7);
        var c = CultureInfo.InvariantCulture;
        return files.Write("data.csv", "a,b,c,d,e,f\n" + string.Concat(rows.Select(r =>
            string.Join(',', r.A.ToString(c), r.B.ToString(c), r.C.ToString(c), r.D.ToString(c), (r.A * r.C).ToString(c), (r.B - r.D).ToString(c)) + "\n")));
    }

    private static string[] Train(string data, string output, int seed, int epochs = Epochs) =>
        ["train", "--data", data, "--out", output, "--hidden", "32", "--latent", "3", "--epochs", epochs.ToString(), "--seed", seed.ToString()];

    private static string[] Temps(string folder) => Directory.GetFiles(folder, ".*.tmp");

    /// <summary>Starts the CLI and returns once a stderr line starts with <paramref name="line"/> (or the process ended).</summary>
    private static Process StartAndWaitFor(string[] args, string line)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "MlNetVae.Cli")) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        var seen = new ManualResetEventSlim();
        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) => { if (e.Data is null || e.Data.StartsWith(line, StringComparison.Ordinal)) seen.Set(); };
        process.OutputDataReceived += (_, _) => { };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        Assert.That(seen.Wait(TimeSpan.FromSeconds(60)), Is.True, $"no '{line}' line within 60 s");
        return process;
    }

    [Test]
    public void KillNineDuringTrainOverAnExistingModelAlwaysLeavesAValidModel()
    {
        using var files = new Files();
        string data = Data(files), model = files["model.zip"];
        Assert.That(CliRunner.Run(Train(data, model, seed: 2)).Code, Is.EqualTo(0));
        double old = ModelFile.Load(model).Threshold.Value;
        // The model the killed runs would write: training is deterministic for a seed.
        Assert.That(CliRunner.Run(Train(data, files["new.zip"], seed: 1)).Code, Is.EqualTo(0));
        double fresh = ModelFile.Load(files["new.zip"]).Threshold.Value;
        Assert.That(fresh, Is.Not.EqualTo(old));

        // One run to the end: how long it takes from the last epoch to the exit (saving the model starts ONNX Runtime).
        var clock = Stopwatch.StartNew();
        TimeSpan saving;
        using (var complete = StartAndWaitFor(Train(data, files["timed.zip"], seed: 1), $"epoch {Epochs}/{Epochs}"))
        {
            var lastEpoch = clock.Elapsed;
            complete.WaitForExit();
            saving = clock.Elapsed - lastEpoch;
        }

        var random = new Random(1);
        int keptOld = 0, wroteNew = 0, duringWrite = 0;
        for (int trial = 0; trial < 20; trial++)
        {
            // Three kinds of moment: somewhere in training; somewhere between the last epoch and the exit; and the
            // moment this process's temporary file appears (the model is being written: the old one must survive).
            int kind = (trial + 1) % 3; // the last trial dies while writing: its temporary file is there for the next write to remove
            using var process = StartAndWaitFor(Train(data, model, seed: 1), kind == 0 ? "epoch 1/" : $"epoch {Epochs}/{Epochs}");
            if (kind == 0) Thread.Sleep(random.Next(600));
            if (kind == 1) Thread.Sleep(random.Next((int)saving.TotalMilliseconds + 50));
            if (kind == 2)
                while (!process.HasExited && Directory.GetFiles(files.Root, $".model.zip.{process.Id}.*.tmp").Length == 0) Thread.Yield();
            bool writing = Directory.GetFiles(files.Root, $".model.zip.{process.Id}.*.tmp").Length > 0;
            if (!process.HasExited) process.Kill(); // SIGKILL: no handler runs
            process.WaitForExit();
            if (writing && Directory.GetFiles(files.Root, $".model.zip.{process.Id}.*.tmp").Length > 0) duringWrite++;

            double threshold = ModelFile.Load(model).Threshold.Value; // throws if the file is not a valid model
            Assert.That(threshold, Is.EqualTo(old).Or.EqualTo(fresh), $"trial {trial}: the old or the new model");
            if (threshold == old) keptOld++;
            else
            {
                wroteNew++;
                Assert.That(CliRunner.Run(Train(data, model, seed: 2)).Code, Is.EqualTo(0), "back to the old model for the next trial");
                old = ModelFile.Load(model).Threshold.Value;
            }
        }
        int leftTemps = Temps(files.Root).Length;
        TestContext.Out.WriteLine($"20 kill -9 trials: {keptOld} kept the old model, {wroteNew} had written the new one, {duringWrite} killed while writing; {leftTemps} temporary files left before the next write (saving took {saving.TotalSeconds:F1} s)");

        Assert.That(duringWrite, Is.GreaterThan(0), "some kills landed while the model was being written");
        Assert.That(CliRunner.Run(Train(data, model, seed: 1)).Code, Is.EqualTo(0));
        Assert.That(Temps(files.Root), Is.Empty, "the next write removes what the killed processes left");
        Assert.That(ModelFile.Load(model).Threshold.Value, Is.EqualTo(fresh));
    }

    /// <summary>Cancels a token when a line starting with a given text is written: a signal at that exact moment.</summary>
    private sealed class SignalOnLine(string line, CancellationTokenSource signal) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.StartsWith(line, StringComparison.Ordinal) == true) signal.Cancel();
        }
    }

    [Test]
    public void ASignalAfterTheLastTrainingStepStillStopsTheModelFromBeingWritten()
    {
        using var files = new Files();
        string data = Data(files), model = files["model.zip"];
        Assert.That(CliRunner.Run(Train(data, model, seed: 2)).Code, Is.EqualTo(0));
        var before = SHA256.HashData(File.ReadAllBytes(model));
        // The last epoch's line is printed after the last step: the training loop checks for a stop no more after it.
        using var signal = new CancellationTokenSource();
        var stderr = new SignalOnLine($"epoch {Epochs}/{Epochs}", signal);
        int code = CliApp.Run(Train(data, model, seed: 1), new StringWriter(), stderr, stderrIsTerminal: false, signal.Token);
        Assert.That(code, Is.EqualTo(130), stderr.ToString());
        Assert.That(stderr.ToString(), Does.EndWith("mlnetvae: interrupted; nothing was written\n"));
        Assert.That(SHA256.HashData(File.ReadAllBytes(model)), Is.EqualTo(before), "the old model, byte for byte");
        Assert.That(Temps(files.Root), Is.Empty);
    }

    [TestCase(Posix.SIGINT, TestName = "SigintDuringTrainExits130AndKeepsTheOldModel")]
    [TestCase(Posix.SIGTERM, TestName = "SigtermDuringTrainExits130AndKeepsTheOldModel")]
    public void ASignalDuringTrainingStopsItCleanly(int signal)
    {
        using var files = new Files();
        string data = Data(files), model = files["model.zip"];
        Assert.That(CliRunner.Run(Train(data, model, seed: 2)).Code, Is.EqualTo(0));
        var before = SHA256.HashData(File.ReadAllBytes(model));

        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "MlNetVae.Cli")) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in Train(data, model, seed: 1, epochs: 100_000)) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = new List<string>();
        string? line;
        while ((line = process.StandardError.ReadLine()) is not null && !line.StartsWith("epoch 1/", StringComparison.Ordinal)) stderr.Add(line);
        Assert.That(line, Is.Not.Null, "training started");
        Posix.Signal(process.Id, signal);
        string rest = process.StandardError.ReadToEnd();
        Assert.That(process.WaitForExit(TimeSpan.FromSeconds(30)), Is.True, "the signal stops 100000 epochs");
        Assert.That(process.ExitCode, Is.EqualTo(130));
        Assert.That(rest.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("epoch ", StringComparison.Ordinal)),
            Is.EqualTo(new[] { "mlnetvae: interrupted; nothing was written" }));
        Assert.That(SHA256.HashData(File.ReadAllBytes(model)), Is.EqualTo(before), "the old model, byte for byte");
        Assert.That(Temps(files.Root), Is.Empty);
    }
}
