using System.Buffers.Binary;
using System.IO.Compression;

namespace MlNetVae.Pipeline;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed: unsigned-byte images
/// (<c>*-idx3-ubyte</c>) and labels (<c>*-idx1-ubyte</c>).
/// </summary>
public static class IdxFile
{
    private const int MaxElements = 1 << 30; // a hostile header must not make us allocate more than this

    /// <summary>Reads an image file as rows of pixels / 255 in [0, 1]: [images, height * width].</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed unsigned-byte IDX file of rank 3.</exception>
    public static float[][] ReadImages(string path, out int height, out int width)
    {
        var (dims, bytes) = Read(path, rank: 3);
        (height, width) = (dims[1], dims[2]);
        int pixels = height * width;
        var rows = new float[dims[0]][];
        for (int i = 0; i < rows.Length; i++)
        {
            var row = rows[i] = new float[pixels];
            var src = bytes.AsSpan(i * pixels, pixels);
            for (int j = 0; j < pixels; j++) row[j] = src[j] / 255f;
        }
        return rows;
    }

    /// <summary>Reads a label file: one byte per item.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed unsigned-byte IDX file of rank 1.</exception>
    public static byte[] ReadLabels(string path) => Read(path, rank: 1).Bytes;

    private static (int[] Dims, byte[] Bytes) Read(string path, int rank)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        file.ReadExactly(magic);
        file.Position = 0;
        using Stream stream = magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;

        Span<byte> header = stackalloc byte[4];
        ReadOrFail(stream, header, path, "header");
        if (header[0] != 0 || header[1] != 0 || header[2] != 0x08)
            throw new InvalidDataException($"{path}: not an unsigned-byte IDX file (magic {Convert.ToHexString(header)}, expected 000008{rank:X2})");
        if (header[3] != rank)
            throw new InvalidDataException($"{path}: IDX rank {header[3]}, expected {rank} ({(rank == 3 ? "images" : "labels")})");

        var dims = new int[rank];
        long count = 1;
        Span<byte> dim = stackalloc byte[4];
        for (int d = 0; d < rank; d++)
        {
            ReadOrFail(stream, dim, path, $"dimension {d}");
            uint value = BinaryPrimitives.ReadUInt32BigEndian(dim);
            count *= value;
            if (value == 0 || count > MaxElements)
                throw new InvalidDataException($"{path}: IDX dimension {d} is {value}; the file would hold {count} bytes (limit {MaxElements})");
            dims[d] = (int)value;
        }
        var bytes = new byte[count];
        ReadOrFail(stream, bytes, path, $"data ({count} bytes expected)");
        return (dims, bytes);
    }

    private static void ReadOrFail(Stream stream, Span<byte> buffer, string path, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: truncated IDX file while reading the {what}");
        }
    }
}
