using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.Versioning;
using MlNetVae.Cli.Output;
using MlNetVae.Tests.Cli.Data;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli.Output;

/// <summary>What AtomicFile does with each kind of path, and that no temporary file survives any way a write can end.</summary>
[UnsupportedOSPlatform("windows")]
public class AtomicFileTests
{
    private static string[] Temps(string folder) => Directory.GetFiles(folder, ".*.tmp");

    [Test]
    public void ANewFileGetsTheUmaskPermissionsAndAReplacedOneKeepsItsBits()
    {
        using var files = new Files();
        File.Create(files["reference"]).Dispose(); // created by .NET under the same umask
        AtomicFile.WriteText(files["new.csv"], w => w.Write("new"));
        Assert.That(File.GetUnixFileMode(files["new.csv"]), Is.EqualTo(File.GetUnixFileMode(files["reference"])));
        foreach (var mode in new[] { (UnixFileMode)0b110_000_000, (UnixFileMode)0b110_110_100 }) // 0600, and 0664 (wider than umask 022 allows)
        {
            File.WriteAllText(files["old.csv"], "old");
            File.SetUnixFileMode(files["old.csv"], mode);
            AtomicFile.WriteText(files["old.csv"], w => w.Write("replaced"));
            Assert.That(File.GetUnixFileMode(files["old.csv"]), Is.EqualTo(mode));
            Assert.That(File.ReadAllText(files["old.csv"]), Is.EqualTo("replaced"));
        }
        Assert.That(Temps(files.Root), Is.Empty);
    }

    [Test]
    public void ASymlinkStaysALinkAndItsTargetGetsTheContent()
    {
        using var files = new Files();
        Directory.CreateDirectory(files["real"]);
        string target = Path.Combine(files["real"], "out.csv");
        File.WriteAllText(target, "old");
        File.SetUnixFileMode(target, (UnixFileMode)0b110_000_000);
        File.CreateSymbolicLink(files["first"], "real/out.csv");
        File.CreateSymbolicLink(files["link.csv"], files["first"]); // a chain: link.csv -> first -> real/out.csv
        AtomicFile.WriteText(files["link.csv"], w => w.Write("new"));
        Assert.That(new FileInfo(files["link.csv"]).LinkTarget, Is.EqualTo(files["first"]));
        Assert.That(new FileInfo(files["first"]).LinkTarget, Is.EqualTo("real/out.csv"));
        Assert.That(File.ReadAllText(target), Is.EqualTo("new"));
        Assert.That(File.GetUnixFileMode(target), Is.EqualTo((UnixFileMode)0b110_000_000));
        Assert.That(Temps(files.Root).Concat(Temps(files["real"])), Is.Empty);

        File.CreateSymbolicLink(files["dangling.csv"], "real/later.csv");
        AtomicFile.WriteText(files["dangling.csv"], w => w.Write("created"));
        Assert.That(File.ReadAllText(Path.Combine(files["real"], "later.csv")), Is.EqualTo("created"));
        Assert.That(new FileInfo(files["dangling.csv"]).LinkTarget, Is.Not.Null);
    }

    [Test]
    public void DevNullIsWrittenThroughAndStaysACharacterDevice()
    {
        string? written = null;
        AtomicFile.Write("/dev/null", s => { s.Write(new byte[100_000]); written = (s as FileStream)?.Name; });
        Assert.That(written, Is.EqualTo("/dev/null"), "written straight into the device, not into a temporary file");
        Assert.That(FileTypes.Of("/dev/null"), Is.EqualTo(FileType.CharacterDevice));
        Assert.That(Directory.GetFiles("/dev", ".null.*"), Is.Empty);
    }

    [Test]
    public async Task AFifoIsWrittenThroughNotReplaced()
    {
        using var files = new Files();
        Posix.MakeFifo(files["pipe"]);
        var reader = Task.Run(() => File.ReadAllText(files["pipe"]));
        AtomicFile.WriteText(files["pipe"], w => w.Write("streamed"));
        Assert.That(await reader.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo("streamed"));
        Assert.That(FileTypes.Of(files["pipe"]), Is.EqualTo(FileType.Fifo));
        Assert.That(Temps(files.Root), Is.Empty);
    }

    [Test]
    public void FoldersAndSocketsAreRefused()
    {
        using var files = new Files();
        Directory.CreateDirectory(files["dir"]);
        Assert.That(Assert.Throws<IOException>(() => AtomicFile.WriteText(files["dir"], w => w.Write("x")))!.Message, Is.EqualTo($"{files["dir"]}: is a folder, expected a file path"));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(files["sock"]));
        Assert.That(Assert.Throws<IOException>(() => AtomicFile.WriteText(files["sock"], w => w.Write("x")))!.Message,
            Is.EqualTo($"{files["sock"]}: is a socket; refusing to write to it, expected a file path"));
        Assert.That(FileTypes.Of(files["sock"]), Is.EqualTo(FileType.Socket));
        Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteText(files["no/such/out.csv"], w => w.Write("x")));
        File.CreateSymbolicLink(files["loop"], "loop");
        Assert.That(Assert.Throws<IOException>(() => AtomicFile.WriteText(files["loop"], w => w.Write("x")))!.Message,
            Is.EqualTo($"{files["loop"]}: cannot examine it: Too many levels of symbolic links"));
        Assert.That(Temps(files.Root), Is.Empty);
    }

    [Test]
    public void AFailedWriteKeepsTheOldFileWithItsBits()
    {
        using var files = new Files();
        File.WriteAllText(files["m.csv"], "old");
        File.SetUnixFileMode(files["m.csv"], (UnixFileMode)0b110_000_000);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteText(files["m.csv"], w => { w.Write("half"); w.Flush(); throw new InvalidOperationException("crash"); }));
        Assert.That(File.ReadAllText(files["m.csv"]), Is.EqualTo("old"));
        Assert.That(File.GetUnixFileMode(files["m.csv"]), Is.EqualTo((UnixFileMode)0b110_000_000));
        Assert.That(Temps(files.Root), Is.Empty);
    }

    [Test]
    public void ATempFileLeftByAKilledProcessIsRemovedByTheNextWrite()
    {
        using var files = new Files();
        string path = files.Write("out.csv", "old");
        using (var writer = StartWriter(path))
        {
            writer.Kill(); // SIGKILL: no handler runs
            writer.WaitForExit();
            Assert.That(Temps(files.Root).Select(Path.GetFileName), Has.One.Match($@"^\.out\.csv\.{writer.Id}\.[0-9a-f]{{32}}\.tmp$"), "kill -9 leaves the temporary file");
        }
        // A temporary file of a running process (pid 1 always runs) and files that are not ours stay.
        string live = files.Write($".out.csv.1.{Guid.NewGuid():N}.tmp", "another writer");
        string foreign = files.Write(".out.csv.notours.tmp", "not ours");
        AtomicFile.WriteText(path, w => w.Write("new"));
        Assert.That(File.ReadAllText(path), Is.EqualTo("new"));
        Assert.That(Temps(files.Root), Is.EquivalentTo(new[] { live, foreign }));
    }

    [TestCase(Posix.SIGTERM, TestName = "SigtermRemovesTheTempFile")]
    [TestCase(Posix.SIGINT, TestName = "SigintRemovesTheTempFile")]
    [TestCase(Posix.SIGHUP, TestName = "SighupRemovesTheTempFile")]
    public void ASignalRemovesTheTempFile(int signal)
    {
        using var files = new Files();
        string path = files.Write("out.csv", "old");
        using var writer = StartWriter(path);
        Assert.That(Temps(files.Root), Has.Length.EqualTo(1));
        Posix.Signal(writer.Id, signal);
        Assert.That(writer.WaitForExit(TimeSpan.FromSeconds(20)), Is.True, "the signal ends the writer");
        Assert.That(writer.ExitCode, Is.EqualTo(128 + signal), "the handler leaves the signal's default action alone");
        Assert.That(Temps(files.Root), Is.Empty);
        Assert.That(File.ReadAllText(path), Is.EqualTo("old"));
    }

    /// <summary>Runs MlNetVae.TestWriter on <paramref name="path"/> and returns once it is in the middle of the write.</summary>
    private static Process StartWriter(string path)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "MlNetVae.TestWriter.dll"));
        start.ArgumentList.Add("atomic-write");
        start.ArgumentList.Add(path);
        var process = Process.Start(start)!;
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result != "writing")
        {
            process.Kill();
            Assert.Fail($"the test writer did not start writing (said '{(line.IsCompleted ? line.Result : "nothing")}')");
        }
        return process;
    }
}
