using System.Buffers.Binary;
using System.IO.Compression;
using MlNetVae.Cli.Pictures;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli;

public class PngWriterTests
{
    [Test]
    public void Crc32MatchesTheStandardCheckValue() =>
        Assert.That(Crc32.Compute("123456789"u8), Is.EqualTo(0xCBF43926u));

    [Test]
    public void APngDecodesBackToItsPixelsWithValidChunkCrcs()
    {
        byte[] pixels = [0, 64, 128, 255, 1, 2];
        using var stream = new MemoryStream();
        PngWriter.Write(stream, width: 3, height: 2, channels: 1, pixels);
        var png = stream.ToArray();
        Assert.That(png[..8], Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));

        var chunks = new List<(string Type, byte[] Data)>();
        for (int at = 8; at < png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var typeAndData = png.AsSpan(at + 4, 4 + length);
            Assert.That(BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length)), Is.EqualTo(Crc32.Compute(typeAndData)));
            chunks.Add((System.Text.Encoding.ASCII.GetString(typeAndData[..4]), typeAndData[4..].ToArray()));
            at += 12 + length;
        }
        Assert.That(chunks.Select(c => c.Type), Is.EqualTo(new[] { "IHDR", "IDAT", "IEND" }));
        using var inflated = new MemoryStream();
        new ZLibStream(new MemoryStream(chunks[1].Data), CompressionMode.Decompress).CopyTo(inflated);
        Assert.That(inflated.ToArray(), Is.EqualTo(new byte[] { 0, 0, 64, 128, 0, 255, 1, 2 }), "filter byte 0, then each scanline");
    }
}
