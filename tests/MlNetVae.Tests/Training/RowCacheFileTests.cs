using MlNetVae.Tests.Graph;
using MlNetVae.Training;
using NUnit.Framework;

namespace MlNetVae.Tests.Training;

/// <summary>
/// The row cache gives back every row and key appended, whatever the blocks' sizes, in order or in a seeded order of
/// its chunks; its file never shows in its folder and is gone once closed; a folder it cannot write to is named.
/// </summary>
[NonParallelizable] // counts the process's open cache files
public class RowCacheFileTests
{
    /// <summary>The cache files this process holds open (Linux: unlinked files still open show as "(deleted)").</summary>
    internal static string[] OpenCacheFiles() => new DirectoryInfo("/proc/self/fd").GetFiles()
        .Select(f => { try { return f.LinkTarget ?? ""; } catch (IOException) { return ""; } })
        .Where(t => t.Contains("mlnetvae-rows-", StringComparison.Ordinal)).ToArray();

    private static (float[] Rows, ulong[] Keys)[] Blocks(RowCacheFile cache, int? seed) =>
        cache.Read(seed, default).Select(b => (b.Rows.ToArray(), b.Keys.ToArray())).ToArray();

    [TestCase(3)]
    [TestCase(50)]
    [TestCase(784)]
    public void EveryRowComesBackWithItsKeyInOrderOrInAShuffledOrderOfChunks(int d)
    {
        int rows = 3 * Math.Max(1, (1 << 16) / d) + 7; // three whole chunks and a short one
        var values = TestData.GaussianRows(rows, d, 9);
        var keys = Enumerable.Range(0, rows).Select(i => (ulong)i * 0x9E3779B97F4A7C15UL).ToArray();
        using var cache = RowCacheFile.Create(Path.GetTempPath(), d);
        var random = new Random(1);
        for (int at = 0; at < rows;)
        {
            int n = Math.Min(rows - at, random.Next(1, 2 * cache.ChunkRows)); // blocks smaller and larger than a chunk
            cache.Append(new RowBlock(values.AsMemory(at * d, n * d), keys.AsMemory(at, n)));
            at += n;
        }
        Assert.That(cache.RowCount, Is.Null, "unknown until complete");
        cache.Complete();
        Assert.That(cache.RowCount, Is.EqualTo(rows));

        var ordered = Blocks(cache, null);
        Assert.That(ordered.SelectMany(b => b.Rows), Is.EqualTo(values));
        Assert.That(ordered.SelectMany(b => b.Keys), Is.EqualTo(keys));
        Assert.That(ordered.Select(b => b.Keys.Length), Is.EqualTo(new[] { cache.ChunkRows, cache.ChunkRows, cache.ChunkRows, 7 }));

        var shuffled = Blocks(cache, 5);
        Assert.That(shuffled.Select(b => b.Keys[0]), Is.Not.EqualTo(ordered.Select(b => b.Keys[0])), "another order");
        Assert.That(shuffled.Select(b => b.Keys[0]), Is.EquivalentTo(ordered.Select(b => b.Keys[0])), "of the same chunks");
        foreach (var (chunkRows, chunkKeys) in shuffled)
        {
            int first = Array.IndexOf(keys, chunkKeys[0]);
            Assert.That(chunkKeys, Is.EqualTo(keys.AsSpan(first, chunkKeys.Length).ToArray()));
            Assert.That(chunkRows, Is.EqualTo(values.AsSpan(first * d, chunkKeys.Length * d).ToArray()), "each row with its key");
        }
        Assert.That(Blocks(cache, 5).Select(b => b.Keys[0]), Is.EqualTo(shuffled.Select(b => b.Keys[0])), "the same seed, the same order");
        Assert.That(Blocks(cache, 6).Select(b => b.Keys[0]), Is.Not.EqualTo(shuffled.Select(b => b.Keys[0])));
    }

    [Test]
    public void TheFileNeverShowsInItsFolderAndIsGoneOnceClosed()
    {
        string folder = Directory.CreateTempSubdirectory("mlnetvae-cache-test").FullName;
        try
        {
            var cache = RowCacheFile.Create(folder, 4);
            cache.Append(new RowBlock(new float[40], new ulong[10]));
            cache.Complete();
            Assert.That(Directory.GetFileSystemEntries(folder), Is.Empty, "unlinked as soon as it is opened");
            Assert.That(OpenCacheFiles(), Has.Length.EqualTo(1).And.All.EndsWith("(deleted)"), "its data live while it is open");
            cache.Dispose();
            Assert.That(OpenCacheFiles(), Is.Empty);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void AFolderItCannotWriteToIsNamedWithWhatToDo()
    {
        string missing = Path.Combine(Path.GetTempPath(), "mlnetvae-no-such-folder", "inner");
        Assert.That(() => RowCacheFile.Create(missing, 4), Throws.InstanceOf<IOException>().With.Message.StartsWith(
            $"the rows beyond the memory budget could not be copied to a temporary file in {missing} (").And.Message.EndWith(
            "set VaeOptions.DiskCache = false (--disk-cache false) to read the data again every epoch"));
    }
}
