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

    /// <summary>The most pixels one image may have: <see cref="InputLimits.MaxFeatures"/>, 128x128.</summary>
    public const int MaxPixels = InputLimits.MaxFeatures;

    private const int FirstChunk = 1 << 20;

    /// <summary>Reads an image file: its pixels as bytes, image after image, and the image count and size.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed unsigned-byte IDX file of rank 3.</exception>
    public static IdxImages ReadImages(string path)
    {
        var (dims, bytes) = Read(path, rank: 3);
        return new IdxImages(bytes, dims[0], dims[1], dims[2]);
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
                throw new InvalidDataException($"{path}: the IDX header declares more than {MaxBytes} bytes of data (dimension {d} is {value}); the " +
                    $"limit is {MaxBytes}");
            dims[d] = (int)value;
        }
        string shape = string.Join('x', dims);
        if (rank == 3 && (long)dims[1] * dims[2] > MaxPixels)
            throw new InvalidDataException($"{path}: IDX images of {dims[1]}x{dims[2]} pixels; the limit is {MaxPixels} pixels per image");
        if (!input.IsCompressed && input.FileSize is long size)
        {
            long held = size - header.Length;
            if (held < count) throw new InvalidDataException($"{path}: truncated IDX file: the header declares {shape} = {count} bytes of data, the " +
                $"file holds {held}");
            if (held > count) throw new InvalidDataException($"{path}: {held - count} bytes follow the {count} bytes of data the header declares " +
                $"({shape}); not a well-formed IDX file");
        }

        // Doubling from a small chunk: never more than twice the bytes that really arrived.
        var bytes = new byte[input.IsCompressed ? Math.Min(count, FirstChunk) : count];
        long filled = 0;
        while (true)
        {
            int n = input.Read(bytes.AsSpan((int)filled));
            if (n == 0) throw new InvalidDataException($"{path}: truncated IDX file: the header declares {shape} = {count} bytes of data, the file " +
                $"holds {filled}");
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

/// <summary>The images of an IDX file: unsigned-byte pixels, image after image, row by row.</summary>
/// <param name="Pixels">Count * Height * Width bytes.</param>
/// <param name="Count">Number of images.</param>
/// <param name="Height">Rows per image.</param>
/// <param name="Width">Columns per image.</param>
public sealed record IdxImages(byte[] Pixels, int Count, int Height, int Width)
{
    /// <summary>Pixels per image.</summary>
    public int Features => Height * Width;

    /// <summary>Writes image <paramref name="index"/>'s pixels scaled to [0, 1] (pixel / 255) into <paramref name="destination"/>.</summary>
    public void CopyTo(int index, Span<float> destination)
    {
        var src = Pixels.AsSpan(index * Features, Features);
        for (int j = 0; j < src.Length; j++) destination[j] = src[j] / 255f;
    }

    /// <summary>Every image as one flat [Count, Features] buffer in [0, 1].</summary>
    public float[] ToFloats()
    {
        var all = new float[(long)Count * Features];
        for (int i = 0; i < Count; i++) CopyTo(i, all.AsSpan(i * Features, Features));
        return all;
    }
}
