using System.Buffers.Binary;
using System.IO.Compression;

namespace MlNetVae.Cli.Pictures;

/// <summary>
/// A minimal PNG encoder: 8-bit grayscale or RGB, no interlacing, filter type 0 on every scanline, one IDAT chunk
/// compressed with zlib. Enough for sample grids and reconstructions; any viewer reads it.
/// </summary>
internal static class PngWriter
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Writes an image of <paramref name="width"/> x <paramref name="height"/> pixels, row-major, 1 (gray) or 3 (RGB) bytes per pixel.</summary>
    public static void Write(Stream output, int width, int height, int channels, ReadOnlySpan<byte> pixels)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "1 (gray) or 3 (RGB)");
        if (pixels.Length != width * height * channels) throw new ArgumentException($"{pixels.Length} bytes for {width}x{height}x{channels}");
        output.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;                               // bit depth
        header[9] = (byte)(channels == 1 ? 0 : 2);   // colour type: gray or truecolour
        header[10] = header[11] = header[12] = 0;    // deflate, adaptive filtering, no interlace
        Chunk(output, "IHDR", header);

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            int stride = width * channels;
            for (int y = 0; y < height; y++)
            {
                zlib.WriteByte(0); // filter: none
                zlib.Write(pixels.Slice(y * stride, stride));
            }
        }
        Chunk(output, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        Chunk(output, "IEND", []);
    }

    /// <summary>length, type, data, CRC-32 of type and data.</summary>
    private static void Chunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        for (int i = 0; i < 4; i++) typeBytes[i] = (byte)type[i];
        output.Write(typeBytes);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, ~Crc32.Update(Crc32.Update(0xFFFFFFFFu, typeBytes), data));
        output.Write(word);
    }
}
