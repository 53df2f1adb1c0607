using System.Buffers.Binary;

namespace MlNetVae.Cli.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed: unsigned-byte images
/// (<c>*-idx3-ubyte</c>) and labels (<c>*-idx1-ubyte</c>). Sizes are checked before memory is allocated: the header's
/// dimensions must fit <see cref="MaxBytes"/> (and images <see cref="MaxPixels"/>), a plain file must hold exactly the
/// data they declare, and gzip data is read in growing chunks, so a small file declaring a huge size costs no more
/// memory than the bytes it really holds.
/// </summary>
public static class IdxFile
{
    /// <summary>The most data bytes (items times item size) a file may declare: 1 GiB, e.g. 1.3 million 28x28 images.</summary>
    public const long MaxBytes = 1L << 30;

    /// <summary>The most pixels one image may have: 1024x1024 (a dense VAE's input layer is already huge there).</summary>
    public const int MaxPixels = 1 << 20;

    private const int FirstChunk = 1 << 20;

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
        using var input = InputFile.Open(path, text: false);
        Span<byte> header = stackalloc byte[4 + 4 * rank];
        int got = input.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (got == 0) throw new InvalidDataException($"{path}: empty file, expected an IDX file");
        if (got >= 4 && (header[0] != 0 || header[1] != 0 || header[2] != 0x08))
            throw new InvalidDataException($"{path}: not an unsigned-byte IDX file (magic {Convert.ToHexString(header[..4])}, expected 000008{rank:X2})");
        if (got >= 4 && header[3] != rank)
            throw new InvalidDataException($"{path}: IDX rank {header[3]}, expected {rank} ({(rank == 3 ? "images" : "labels")})");
        if (got < header.Length) throw new InvalidDataException($"{path}: truncated IDX file: {got} bytes, shorter than the {header.Length}-byte header");

        var dims = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            uint value = BinaryPrimitives.ReadUInt32BigEndian(header[(4 + 4 * d)..]);
            if (value == 0) throw new InvalidDataException($"{path}: IDX dimension {d} is 0");
            count *= value; // at most 2^30 * 2^32 before the check below: no overflow
            if (count > MaxBytes)
                throw new InvalidDataException($"{path}: the IDX header declares more than {MaxBytes} bytes of data (dimension {d} is {value}); the limit is {MaxBytes}");
            dims[d] = (int)value;
        }
        string shape = string.Join('x', dims);
        if (rank == 3 && (long)dims[1] * dims[2] > MaxPixels)
            throw new InvalidDataException($"{path}: IDX images of {dims[1]}x{dims[2]} pixels; the limit is {MaxPixels} pixels per image");
        if (!input.IsCompressed && input.FileSize is long size)
        {
            long held = size - header.Length;
            if (held < count) throw new InvalidDataException($"{path}: truncated IDX file: the header declares {shape} = {count} bytes of data, the file holds {held}");
            if (held > count) throw new InvalidDataException($"{path}: {held - count} bytes follow the {count} bytes of data the header declares ({shape}); not a well-formed IDX file");
        }

        // Doubling from a small chunk: never more than twice the bytes that really arrived.
        var bytes = new byte[input.IsCompressed ? Math.Min(count, FirstChunk) : count];
        long filled = 0;
        while (true)
        {
            int n = input.Read(bytes.AsSpan((int)filled));
            if (n == 0) throw new InvalidDataException($"{path}: truncated IDX file: the header declares {shape} = {count} bytes of data, the file holds {filled}");
            filled += n;
            if (filled == count) break;
            if (filled == bytes.Length) Array.Resize(ref bytes, (int)Math.Min(count, 2L * bytes.Length));
        }
        // Reading on to the end also makes InputFile check the gzip trailer.
        if (input.Read(stackalloc byte[1]) != 0)
            throw new InvalidDataException($"{path}: data continues after the {count} bytes the header declares ({shape}); not a well-formed IDX file");
        return (dims, bytes);
    }
}
