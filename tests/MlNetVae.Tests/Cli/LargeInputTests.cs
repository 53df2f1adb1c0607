using System.Diagnostics;
using System.IO.Compression;
using MlNetVae.Cli.Data;
using MlNetVae.Tests.Cli.Data;
using MlNetVae.Tests.Cli.Output;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli;

/// <summary>
/// <c>train</c> on files larger than its memory budget: CSV and IDX rows train in passes over a copy of the rows in a
/// temporary file in the output's folder, never visible there and gone at the end, a signal included (or, with
/// <c>--disk-cache false</c>, over the file itself); IDX images stream from their file whatever its size.
/// </summary>
public class LargeInputTests
{
    private static readonly string[] Budget = ["--memory-budget", "1"];

    [Test]
    public void ACsvBeyondTheMemoryBudgetTrainsInPassesOverACopyGoneAfterwards()
    {
        using var files = new Files();
        string data = files.MixedCsv("big.csv", 60_000); // 60,000 rows x 6 features: 1.4 MB as float32
        var (code, _, stderr) = CliRunner.Run(["train", "--data", data, "--label-column", "label", "--out", files["m.zip"], .. Budget, .. CliFixture.TinyTraining]);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stderr, Does.StartWith("mlnetvae: 60,000 rows x 6 features (1 MB as float32) exceed --memory-budget 1 MB: training in passes over a " +
            $"copy of the rows in a temporary file in {files.Root}, gone at the end\n"));
        Assert.That(stderr, Does.Contain("epoch 2/2"));
        Assert.That(Directory.GetFiles(files.Root), Is.EquivalentTo(new[] { data, files["m.zip"] }), "the copy is gone");
        Assert.That(CliRunner.Run("score", "--model", files["m.zip"], "--data", data, "--out", files["s.csv"]).Code, Is.EqualTo(0));
        Assert.That(CsvFile.Read(files["s.csv"]).Rows, Has.Length.EqualTo(60_000));

        var (uncached, _, reread) = CliRunner.Run(["train", "--data", data, "--label-column", "label", "--out", files["m3.zip"], "--disk-cache", "false", .. Budget,
            .. CliFixture.TinyTraining]);
        Assert.That(uncached, Is.EqualTo(0), reread);
        Assert.That(reread, Does.StartWith("mlnetvae: 60,000 rows x 6 features (1 MB as float32) exceed --memory-budget 1 MB: training in passes over the file\n"));

        var (inMemory, _, quiet) = CliRunner.Run(["train", "--data", data, "--label-column", "label", "--out", files["m2.zip"], .. CliFixture.TinyTraining]);
        Assert.That(inMemory, Is.EqualTo(0), quiet);
        Assert.That(quiet, Does.Not.Contain("passes"), "within the default budget the file is read once, in memory");
    }

    [Test]
    public void IdxImagesBeyondTheBudgetTrainInPassesToo()
    {
        using var files = new Files();
        var (images, labels) = files.Idx("big-idx3-ubyte.gz", 3000, 28); // 9 MB as float32
        var (code, _, stderr) = CliRunner.Run(["train", "--data", images, "--labels", labels, "--out", files["m.zip"], "--epochs", "1", .. Budget]);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stderr, Does.Contain("3,000 rows x 784 features (9 MB as float32) exceed --memory-budget 1 MB"));
        Assert.That(Directory.GetFiles(files.Root), Is.EquivalentTo(new[] { images, labels, files["m.zip"] }));
    }

    [Test]
    public void AnIdxFileStreamsWhateverItDeclaresAndItsTruncationIsNamedWhenRead()
    {
        using var files = new Files();
        // 2,000,000 images declared (1.5 GB, more than a file read whole may hold), 10 present.
        string path = files["short-idx3-ubyte.gz"];
        var header = new byte[16];
        header[2] = 8;
        header[3] = 3;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 2_000_000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), 28);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 28);
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gzip.Write(header);
            gzip.Write(new byte[10 * 784]);
        }
        var data = Dataset.Open(path, null, null, null);
        Assert.That(data.Rows, Is.EqualTo(2_000_000));
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(() => ColumnChunks.Read(data.View, ColumnChunks.BlockRows, RowsDataView.FeaturesColumn).Count(), Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo(
            $"{path}: truncated IDX file: the header declares 2000000x28x28 = 1568000000 bytes of data, the file holds 7840"));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - allocated, Is.LessThan(64 << 20), "nothing sized by the declared count");
    }

    [TestCase(Posix.SIGTERM)]
    [TestCase(Posix.SIGINT)]
    public void ASignalWhileTrainingInPassesLeavesNothing(int signal)
    {
        using var files = new Files();
        string data = files.MixedCsv("big.csv", 60_000);
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "MlNetVae.Cli")) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in (string[])["train", "--data", data, "--label-column", "label", "--out", files["m.zip"], "--epochs", "100000", .. Budget]) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        try
        {
            string? line;
            while ((line = process.StandardError.ReadLine()) is not null && !line.StartsWith("epoch 1/", StringComparison.Ordinal)) { }
            Assert.That(line, Is.Not.Null, "training started");
            var copies = new DirectoryInfo($"/proc/{process.Id}/fd").GetFiles().Select(f => f.LinkTarget ?? "").Where(t => t.Contains("mlnetvae-rows-")).ToArray();
            Assert.That(copies, Has.Length.EqualTo(1).And.All.StartWith(files.Root + "/").And.All.EndWith("(deleted)"), "the copy, open but never visible");
            Posix.Signal(process.Id, signal);
            string rest = process.StandardError.ReadToEnd();
            Assert.That(process.WaitForExit(TimeSpan.FromSeconds(30)), Is.True);
            Assert.That(process.ExitCode, Is.EqualTo(130), rest);
        }
        finally
        {
            if (!process.HasExited) process.Kill(); // a failed assertion must not leave 100,000 epochs running
        }
        Assert.That(Directory.GetFileSystemEntries(files.Root), Is.EqualTo(new[] { data }), "no model, no copy");
    }
}
