using System.Buffers.Binary;

namespace MlNetVae.Cli.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed: unsigned-byte images
/// (<c>*-idx3-ubyte</c>) and labels (<c>*-idx1-ubyte</c>). Images stream from the file (<see cref="OpenImages"/>), so
/// a file of any size costs one image of memory; what is read whole (labels, or images for a benchmark) must declare
/// at most <see cref="MaxBytes"/>. Sizes are checked before memory is allocated: a plain file must hold exactly the
/// data its header declares, and gzip data is read in growing chunks, so a small file declaring a huge size costs no
/// more memory than the bytes it really holds.
/// </summary>
public static class IdxFile
{
    /// <summary>The most data bytes (items times item size) a file read whole may declare: 1 GiB, e.g. a billion labels.</summary>
    public const long MaxBytes = 1L << 30;

    /// <summary>The most pixels one image may have: <see cref="InputLimits.MaxFeatures"/>, 128x128.</summary>
    public const int MaxPixels = InputLimits.MaxFeatures;

    private const int FirstChunk = 1 << 20;

    /// <summary>An image file to stream: its header checked, and for a plain file its size; the images are read by <see cref="IdxImageFile.Open"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed unsigned-byte IDX file of rank 3.</exception>
    public static IdxImageFile OpenImages(string path)
    {
        using var data = IdxData.Open(path, rank: 3, long.MaxValue);
        return new IdxImageFile(path, data.Dims[0], data.Dims[1], data.Dims[2]);
    }

    /// <summary>Reads a whole image file: its pixels as bytes, image after image, and the image count and size.</summary>
    /// <exception cref="InvalidDataException">
    /// The file is not a well-formed unsigned-byte IDX file of rank 3, or declares more than <see cref="MaxBytes"/>.
    /// </exception>
    public static IdxImages ReadImages(string path)
    {
        using var data = IdxData.Open(path, rank: 3, MaxBytes);
        return new IdxImages(data.ReadAll(), data.Dims[0], data.Dims[1], data.Dims[2]);
    }

    /// <summary>Reads a label file: one byte per item.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed unsigned-byte IDX file of rank 1.</exception>
    public static byte[] ReadLabels(string path)
    {
        using var data = IdxData.Open(path, rank: 1, MaxBytes);
        return data.ReadAll();
    }

    /// <summary>The data of an IDX file after its checked header, open for reading.</summary>
    internal sealed class IdxData : IDisposable
    {
        private readonly InputFile _input;
        private readonly string _path;

        private IdxData(string path, InputFile input, int[] dims, long bytes) => (_path, _input, Dims, Bytes) = (path, input, dims, bytes);

        /// <summary>The dimensions the header declares.</summary>
        public int[] Dims { get; }

        /// <summary>The data bytes they make.</summary>
        public long Bytes { get; }

        private string Shape => string.Join('x', Dims);

        /// <summary>
        /// Opens <paramref name="path"/> and checks its header: magic, rank, dimensions (data at most
        /// <paramref name="maxBytes"/>), image size, and a plain file's length.
        /// </summary>
        public static IdxData Open(string path, int rank, long maxBytes)
        {
            var input = InputFile.Open(path, text: false);
            try
            {
                return Open(path, input, rank, maxBytes);
            }
            catch
            {
                input.Dispose();
                throw;
            }
        }

        private static IdxData Open(string path, InputFile input, int rank, long maxBytes)
        {
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
                uint value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header[(4 + 4 * d)..]);
                if (value == 0) throw new InvalidDataException($"{path}: IDX dimension {d} is 0");
                // At most 2^32 per dimension, and the product is checked as it grows: no overflow before a refusal.
                if (count > maxBytes / value || count * value > maxBytes)
                    throw new InvalidDataException($"{path}: the IDX header declares more than {maxBytes} bytes of data (dimension {d} is {value}); the " +
                        $"limit is {maxBytes}");
                count *= value;
                dims[d] = (int)value;
            }
            if (rank == 3 && (long)dims[1] * dims[2] > MaxPixels)
                throw new InvalidDataException($"{path}: IDX images of {dims[1]}x{dims[2]} pixels; the limit is {MaxPixels} pixels per image");
            var data = new IdxData(path, input, dims, count);
            if (!input.IsCompressed && input.FileSize is long size)
            {
                long held = size - header.Length;
                if (held < count) throw data.Truncated(held);
                if (held > count) throw new InvalidDataException($"{path}: {held - count} bytes follow the {count} bytes of data the header declares " +
                    $"({data.Shape}); not a well-formed IDX file");
            }
            return data;
        }

        /// <summary>All the data, read in chunks that double from a small one: never more than twice the bytes that really arrived.</summary>
        public byte[] ReadAll()
        {
            var bytes = new byte[_input.IsCompressed ? Math.Min(Bytes, FirstChunk) : Bytes];
            long filled = 0;
            while (true)
            {
                int n = _input.Read(bytes.AsSpan((int)filled));
                if (n == 0) throw Truncated(filled);
                filled += n;
                if (filled == Bytes) break;
                if (filled == bytes.Length) Array.Resize(ref bytes, (int)Math.Min(Bytes, 2L * bytes.Length));
            }
            CheckEnd();
            return bytes;
        }

        /// <summary>Fills <paramref name="destination"/> with the next bytes of the data; <paramref name="before"/> bytes were read before them.</summary>
        public void Read(Span<byte> destination, long before)
        {
            int got = _input.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
            if (got < destination.Length) throw Truncated(before + got);
        }

        /// <summary>After the declared data: nothing may follow, and reading on to the end makes InputFile check a gzip trailer.</summary>
        public void CheckEnd()
        {
            if (_input.Read(stackalloc byte[1]) != 0)
                throw new InvalidDataException($"{_path}: data continues after the {Bytes} bytes the header declares ({Shape}); not a well-formed IDX file");
        }

        public void Dispose() => _input.Dispose();

        private InvalidDataException Truncated(long held) =>
            new($"{_path}: truncated IDX file: the header declares {Shape} = {Bytes} bytes of data, the file holds {held}");
    }
}

/// <summary>An IDX image file read in place: its images stream from the file each time they are read, plain or gzip.</summary>
/// <param name="Path">The file.</param>
/// <param name="Count">Number of images.</param>
/// <param name="Height">Rows per image.</param>
/// <param name="Width">Columns per image.</param>
public sealed record IdxImageFile(string Path, long Count, int Height, int Width)
{
    /// <summary>Pixels per image.</summary>
    public int Features => Height * Width;

    /// <summary>Opens the file for one pass over its images, in order.</summary>
    internal IdxImageReader Open() => new(IdxFile.IdxData.Open(Path, rank: 3, long.MaxValue), Count, Features);
}

/// <summary>One pass over the images of an IDX file: image after image, scaled to [0, 1]; truncation and trailing data are errors naming the file.</summary>
internal sealed class IdxImageReader(IdxFile.IdxData data, long count, int features) : IDisposable
{
    private readonly byte[] _pixels = new byte[features];

    /// <summary>The images read so far.</summary>
    public long Read { get; private set; }

    /// <summary>Writes the next image's pixels / 255 into <paramref name="destination"/>; false after the last one.</summary>
    public bool Next(Span<float> destination)
    {
        if (Read == count)
        {
            data.CheckEnd();
            return false;
        }
        data.Read(_pixels, Read * features);
        for (int j = 0; j < features; j++) destination[j] = _pixels[j] / 255f;
        Read++;
        return true;
    }

    public void Dispose() => data.Dispose();
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

    /// <summary>Every image as one flat [Count, Features] buffer in [0, 1] (pixel / 255).</summary>
    public float[] ToFloats()
    {
        var all = new float[(long)Count * Features];
        for (long i = 0; i < all.Length; i++) all[i] = Pixels[i] / 255f;
        return all;
    }
}
