using System.Diagnostics;
using System.Runtime.Versioning;
using MlNetVae.Cli.Output;
using MlNetVae.Tests.Cli.Data;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli.Output;

/// <summary>
/// Folder outputs (export, report, demo): a failure at any point leaves the folder's previous files, byte for byte, or
/// no folder when there was none; never a partial or temporary file; across file systems too.
/// </summary>
[UnsupportedOSPlatform("windows")]
public class AtomicFolderTests
{
    /// <summary>Every file under <paramref name="root"/> (hidden ones included) with its contents.</summary>
    private static Dictionary<string, string> Contents(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).ToDictionary(p => Path.GetRelativePath(root, p), File.ReadAllText);

    private static void Fill(string folder, int files, int failAt = -1)
    {
        for (int i = 0; i < files; i++)
        {
            if (i == failAt) throw new IOException("No space left on device");
            Directory.CreateDirectory(Path.Combine(folder, "sub"));
            File.WriteAllText(Path.Combine(folder, i % 2 == 0 ? $"f{i}.txt" : $"sub/f{i}.txt"), $"new {i}");
        }
    }

    [Test]
    public void AFailureAtAnyPointWhileFillingLeavesThePreviousFilesOrNoFolder()
    {
        using var files = new Files();
        string folder = files["out"];
        AtomicFolder.Write(folder, f => Fill(f, 3), CancellationToken.None);
        var before = Contents(folder);
        Assert.That(before.Keys, Is.EquivalentTo(new[] { "f0.txt", "sub/f1.txt", "f2.txt" }));
        for (int failAt = 0; failAt < 6; failAt++)
        {
            Assert.Throws<IOException>(() => AtomicFolder.Write(folder, f => Fill(f, 6, failAt), CancellationToken.None));
            Assert.That(Contents(folder), Is.EqualTo(before), $"failing at file {failAt}");
            Assert.Throws<IOException>(() => AtomicFolder.Write(files["new/deeper"], f => Fill(f, 6, failAt), CancellationToken.None));
            Assert.That(Directory.Exists(files["new"]), Is.False, "a folder this write created is gone with it");
        }
        AtomicFolder.Write(folder, f => Fill(f, 6), CancellationToken.None);
        Assert.That(Contents(folder), Has.Count.EqualTo(6).And.ContainKey("sub/f5.txt"));
        Assert.That(Contents(folder)["f2.txt"], Is.EqualTo("new 2"));
    }

    [Test]
    public void AFileThatCannotBeMovedIntoPlaceLeavesEveryPreviousFile()
    {
        using var files = new Files();
        string folder = files["out"];
        AtomicFolder.Write(folder, f => Fill(f, 3), CancellationToken.None);
        var before = Contents(folder);
        // f4.txt is in the way as a folder: the files before it were staged, none may have replaced its old version.
        Directory.CreateDirectory(Path.Combine(folder, "f4.txt"));
        var e = Assert.Throws<IOException>(() => AtomicFolder.Write(folder, f => Fill(f, 6), CancellationToken.None))!;
        Assert.That(e.Message, Does.EndWith("f4.txt: is a folder; the output file of that name cannot replace it"));
        Assert.That(Contents(folder), Is.EqualTo(before));
    }

    [Test]
    public void ASignalBeforeTheRenamesLeavesThePreviousFiles()
    {
        using var files = new Files();
        string folder = files["out"];
        AtomicFolder.Write(folder, f => Fill(f, 3), CancellationToken.None);
        var before = Contents(folder);
        using var stop = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => AtomicFolder.Write(folder, f =>
        {
            Fill(f, 6);
            stop.Cancel(); // as SIGTERM does, after the last file is written
        }, stop.Token));
        Assert.That(Contents(folder), Is.EqualTo(before));
    }

    [Test]
    public void ASubfolderOnAnotherFileSystemIsFilledThroughACopyBesideItsFinalName()
    {
        using var files = new Files();
        using var memory = Files.InMemory(); // /dev/shm: a tmpfs, another file system than the temporary folder's
        Directory.CreateDirectory(memory["sub"]);
        string folder = files["out"];
        Directory.CreateDirectory(folder);
        File.CreateSymbolicLink(Path.Combine(folder, "sub"), memory["sub"]);
        AtomicFolder.Write(folder, f => Fill(f, 4), CancellationToken.None);
        Assert.That(Directory.GetFiles(memory["sub"], "*", SearchOption.AllDirectories).Select(Path.GetFileName), Is.EquivalentTo(new[] { "f1.txt", "f3.txt" }));
        Assert.That(File.ReadAllText(memory["sub/f3.txt"]), Is.EqualTo("new 3"));
        Assert.That(Directory.GetFiles(folder, ".*", SearchOption.AllDirectories), Is.Empty);
    }

    [Test]
    public void AStagingFolderLeftByAKilledProcessIsRemovedByTheNextWrite()
    {
        using var files = new Files();
        string folder = files["out"];
        Directory.CreateDirectory(folder);
        using var dead = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        dead.WaitForExit();
        string left = Path.Combine(folder, $".mlnetvae-staging.{dead.Id}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(left);
        File.WriteAllText(Path.Combine(left, "half.onnx"), "partial");
        AtomicFolder.Write(folder, f => Fill(f, 1), CancellationToken.None);
        Assert.That(Directory.GetFileSystemEntries(folder).Select(Path.GetFileName), Is.EqualTo(new[] { "f0.txt" }));
    }
}
