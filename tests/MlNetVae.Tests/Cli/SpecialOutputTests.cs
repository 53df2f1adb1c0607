using System.Runtime.Versioning;
using MlNetVae.Cli;
using MlNetVae.Cli.Output;
using MlNetVae.Tests.Cli.Data;
using MlNetVae.Tests.Cli.Output;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli;

/// <summary>What every command's --out does to special files: /dev/null stays a device, a symlink stays a link (its target gets the output), a FIFO is streamed into, and a replaced file keeps its permission bits.</summary>
[UnsupportedOSPlatform("windows")]
public class SpecialOutputTests
{
    /// <summary>Every command writing one file, with --out left for the caller.</summary>
    private static IEnumerable<string[]> Commands(CliFixture.Fixture f) =>
    [
        ["train", "--data", f.TrainCsv, "--label-column", "label", .. CliFixture.TinyTraining],
        ["embed", "--model", f.CsvModel, "--data", f.TestCsv],
        ["reconstruct", "--model", f.CsvModel, "--data", f.TestCsv],
        ["score", "--model", f.CsvModel, "--data", f.TestCsv],
        ["sample", "--model", f.CsvModel, "--count", "3"],
    ];

    [Test]
    public void DevNullAsOutStaysACharacterDevice()
    {
        var f = CliFixture.Get();
        var mode = File.GetUnixFileMode("/dev/null");
        foreach (var args in Commands(f).Where(a => a[0] != "sample")) // sample wants a .csv or .png name
        {
            var (code, _, stderr) = CliRunner.Run([.. args, "--out", "/dev/null"]);
            Assert.That(code, Is.EqualTo(0), $"{args[0]}: {stderr}");
            Assert.That(FileTypes.Of("/dev/null"), Is.EqualTo(FileType.CharacterDevice), args[0]);
            Assert.That(File.GetUnixFileMode("/dev/null"), Is.EqualTo(mode), args[0]);
        }
        Assert.That(Directory.GetFiles("/dev", ".null.*"), Is.Empty);
    }

    [Test]
    public void ASymlinkStaysALinkWithItsTargetsPermissionsAndTheTargetGetsTheOutput()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        foreach (var args in Commands(f))
        {
            string extension = args[0] == "train" ? ".zip" : ".csv";
            string target = files.Write($"{args[0]}-target{extension}", "old"), link = files[$"{args[0]}-link{extension}"];
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            File.CreateSymbolicLink(link, target);
            var (code, _, stderr) = CliRunner.Run([.. args, "--out", link]);
            Assert.That(code, Is.EqualTo(0), $"{args[0]}: {stderr}");
            Assert.That(new FileInfo(link).LinkTarget, Is.EqualTo(target), $"{args[0]}: still a link to the same file");
            Assert.That(File.GetUnixFileMode(target), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead), args[0]);
            if (args[0] == "train") Assert.That(ModelFile.Load(target).Model.Features, Is.EqualTo(6));
            else Assert.That(File.ReadAllLines(target).Length, Is.GreaterThan(3), args[0]);
        }
        Assert.That(Directory.GetFiles(files.Root, ".*"), Is.Empty, "no temporary file left");
    }

    [Test]
    public void AnUnwritableStderrNeverTurnsASuccessIntoACrash()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        // The real process, its stderr on a full device: every progress line and note fails to write.
        int Run(params string[] args)
        {
            var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true };
            foreach (var a in new[] { "-c", "exec \"$0\" \"$@\" 2>/dev/full", Path.Combine(AppContext.BaseDirectory, "MlNetVae.Cli") }.Concat(args)) start.ArgumentList.Add(a);
            using var process = System.Diagnostics.Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode;
        }
        Assert.That(Run(["train", "--data", f.TrainCsv, "--label-column", "label", "--out", files["m.zip"], .. CliFixture.TinyTraining]), Is.EqualTo(0));
        Assert.That(ModelFile.Load(files["m.zip"]).Model.Features, Is.EqualTo(6));
        Assert.That(Run("embed", "--model", files["m.zip"], "--data", f.TestCsv, "--out", files["z.csv"]), Is.EqualTo(0));
        Assert.That(File.ReadAllLines(files["z.csv"]), Has.Length.EqualTo(31));
        Assert.That(Run("embed", "--model", files["none.zip"], "--data", f.TestCsv, "--out", files["y.csv"]), Is.EqualTo(2), "an error still exits 2; only its line is lost");
    }

    [Test]
    public void AReplacedFileKeepsItsPermissionBitsAndAFifoIsStreamedInto()
    {
        var f = CliFixture.Get();
        using var files = new Files();
        string path = files.Write("scores.csv", "old");
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead; // 0604, unlike any umask default
        File.SetUnixFileMode(path, mode);
        Assert.That(CliRunner.Run("score", "--model", f.CsvModel, "--data", f.TestCsv, "--out", path).Code, Is.EqualTo(0));
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(mode));
        Assert.That(File.ReadAllLines(path), Has.Length.EqualTo(31));

        Posix.MakeFifo(files["pipe.csv"]);
        var reader = Task.Run(() => File.ReadAllText(files["pipe.csv"]));
        Assert.That(CliRunner.Run("embed", "--model", f.CsvModel, "--data", f.TestCsv, "--out", files["pipe.csv"]).Code, Is.EqualTo(0));
        Assert.That(reader.Wait(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(reader.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(31));
        Assert.That(FileTypes.Of(files["pipe.csv"]), Is.EqualTo(FileType.Fifo));
        Assert.That(Directory.GetFiles(files.Root, ".*"), Is.Empty);
    }
}
