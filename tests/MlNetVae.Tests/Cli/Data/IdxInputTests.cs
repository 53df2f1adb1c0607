using System.IO.Compression;
using MlNetVae.Cli.Data;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli.Data;

/// <summary>Hostile and damaged IDX files: sizes are checked before allocating, and every damage names the file.</summary>
public class IdxInputTests
{
    /// <summary>An unsigned-byte IDX header of the given dimensions followed by <paramref name="data"/> bytes (zeros).</summary>
    private static byte[] Idx(int[] dims, long data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data];
        bytes[2] = 0x08;
        bytes[3] = (byte)dims.Length;
        for (int d = 0; d < dims.Length; d++) System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        return bytes;
    }

    private static string Gzip(string path, byte[] bytes)
    {
        using var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gzip.Write(bytes);
        return path;
    }

    private static string Images(string path) => Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(path))!.Message;

    [Test]
    public void ASmallGzipDeclaringOneHugeImageIsRefusedBeforeAllocating()
    {
        using var files = new Files();
        string path = Gzip(files["huge-idx3-ubyte.gz"], Idx([1, 32768, 32768], 1 << 20));
        Assert.That(new FileInfo(path).Length, Is.LessThan(1 << 20));
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(Images(path), Is.EqualTo($"{path}: IDX images of 32768x32768 pixels; the limit is 16384 pixels per image"));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - allocated, Is.LessThan(1 << 20));
    }

    [Test]
    public void ADeclaredSizeOverTheCapIsRefused()
    {
        using var files = new Files();
        File.WriteAllBytes(files["many-idx3-ubyte"], Idx([2_000_000, 28, 28], 784));
        Assert.That(Images(files["many-idx3-ubyte"]), Is.EqualTo($"{files["many-idx3-ubyte"]}: the IDX header declares more than 1073741824 bytes of data (dimension 2 is 28); the limit is 1073741824"));
    }

    [Test]
    public void AGzipHoldingLessThanItDeclaresCostsOnlyWhatItHolds()
    {
        using var files = new Files();
        // 784 MB declared (under the cap), 10 images present: the reader must not allocate the 784 MB up front.
        string path = Gzip(files["short-idx3-ubyte.gz"], Idx([1_000_000, 28, 28], 10 * 784));
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(Images(path), Is.EqualTo($"{path}: truncated IDX file: the header declares 1000000x28x28 = 784000000 bytes of data, the file holds 7840"));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - allocated, Is.LessThan(4 << 20));
    }

    [Test]
    public void APlainFileMustHoldExactlyTheDeclaredData()
    {
        using var files = new Files();
        File.WriteAllBytes(files["short-idx3-ubyte"], Idx([5, 4, 4], 70));
        Assert.That(Images(files["short-idx3-ubyte"]), Is.EqualTo($"{files["short-idx3-ubyte"]}: truncated IDX file: the header declares 5x4x4 = 80 bytes of data, the file holds 70"));
        File.WriteAllBytes(files["long-idx3-ubyte"], Idx([5, 4, 4], 90));
        Assert.That(Images(files["long-idx3-ubyte"]), Is.EqualTo($"{files["long-idx3-ubyte"]}: 10 bytes follow the 80 bytes of data the header declares (5x4x4); not a well-formed IDX file"));
        File.WriteAllBytes(files["ok-idx3-ubyte"], Idx([5, 4, 4], 80));
        var images = IdxFile.ReadImages(files["ok-idx3-ubyte"]);
        Assert.That((images.Count, images.Height, images.Width, images.Pixels.Length), Is.EqualTo((5, 4, 4, 80)));
    }

    [Test]
    public void TrailingBytesInsideGzipAreAnError()
    {
        using var files = new Files();
        string path = Gzip(files["long-idx1-ubyte.gz"], Idx([5], 6));
        Assert.That(Assert.Throws<InvalidDataException>(() => IdxFile.ReadLabels(path))!.Message,
            Is.EqualTo($"{path}: data continues after the 5 bytes the header declares (5); not a well-formed IDX file"));
        Assert.That(IdxFile.ReadLabels(Gzip(files["ok-idx1-ubyte.gz"], Idx([5], 5))), Has.Length.EqualTo(5));
    }

    [Test]
    public void EmptyTruncatedAndCorruptFilesNameTheFile()
    {
        using var files = new Files();
        File.WriteAllBytes(files["empty-idx3-ubyte"], []);
        Assert.That(Images(files["empty-idx3-ubyte"]), Is.EqualTo($"{files["empty-idx3-ubyte"]}: empty file, expected an IDX file"));
        File.WriteAllBytes(files["stub-idx3-ubyte"], [0, 0, 8, 3, 0, 0]);
        Assert.That(Images(files["stub-idx3-ubyte"]), Is.EqualTo($"{files["stub-idx3-ubyte"]}: truncated IDX file: 6 bytes, shorter than the 16-byte header"));

        var (images, _) = files.Idx("t-idx3-ubyte.gz", 40, 8);
        var gzip = File.ReadAllBytes(images);
        File.WriteAllBytes(files["cut-idx3-ubyte.gz"], gzip[..(gzip.Length / 2)]);
        Assert.That(Images(files["cut-idx3-ubyte.gz"]), Does.StartWith($"{files["cut-idx3-ubyte.gz"]}: truncated"));
        File.WriteAllBytes(files["cut-trailer-idx3-ubyte.gz"], gzip[..^4]);
        Assert.That(Images(files["cut-trailer-idx3-ubyte.gz"]), Does.StartWith($"{files["cut-trailer-idx3-ubyte.gz"]}: truncated or corrupt gzip file"));
        var corrupt = (byte[])gzip.Clone();
        for (int i = 12; i < 40; i++) corrupt[i] ^= 0x5a;
        File.WriteAllBytes(files["corrupt-idx3-ubyte.gz"], corrupt);
        Assert.That(Images(files["corrupt-idx3-ubyte.gz"]), Does.StartWith($"{files["corrupt-idx3-ubyte.gz"]}: ").And.Contain("gzip"));
    }
}
