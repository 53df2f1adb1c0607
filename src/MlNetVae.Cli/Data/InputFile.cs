using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace MlNetVae.Cli.Data;

/// <summary>
/// An input file as a read-only stream of its content: gzip is recognized by its magic bytes (whatever the name)
/// and decompressed, and every way the bytes can be wrong becomes an <see cref="InvalidDataException"/> naming the
/// file: corrupt deflate data; a gzip file whose decompressed data does not match its trailer (CRC-32 and length),
/// which is how a truncated download shows, since <see cref="GZipStream"/> itself ends silently at a cut; and,
/// for text, a NUL byte (a binary or UTF-16 file), so a hostile file fails at its first block instead of being parsed.
/// </summary>
internal sealed class InputFile : Stream
{
    private readonly string _path;
    private readonly FileStream _file;
    private readonly Stream _content; // _file, or a GZipStream over it
    private readonly bool _text;
    private readonly Crc32? _crc;
    private readonly byte[]? _trailer; // the gzip trailer (CRC-32, length mod 2^32), when the file is seekable
    private long _read;

    private InputFile(string path, FileStream file, bool gzip, bool text)
    {
        _path = path;
        _file = file;
        _text = text;
        FileSize = file.CanSeek ? file.Length : null;
        if (!gzip)
        {
            _content = file;
            return;
        }
        IsCompressed = true;
        _content = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
        _crc = new Crc32();
        if (file.CanSeek && file.Length >= 18)
        {
            _trailer = new byte[8];
            file.Position = file.Length - 8;
            file.ReadExactly(_trailer);
            file.Position = 0;
        }
    }

    /// <summary>True when the file is gzip-compressed.</summary>
    public bool IsCompressed { get; }

    /// <summary>The size of the file on disk (compressed size for gzip), or null when it cannot be known (a pipe).</summary>
    public long? FileSize { get; }

    /// <summary>Opens <paramref name="path"/>; <paramref name="text"/> makes a NUL byte an error.</summary>
    public static InputFile Open(string path, bool text)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        try
        {
            // A pipe cannot be rewound, so the magic is only sniffed where it can be; gzip through a pipe reads as bytes.
            Span<byte> magic = stackalloc byte[2];
            bool gzip = file.CanSeek && file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
            if (file.CanSeek) file.Position = 0;
            return new InputFile(path, file, gzip, text);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = _content.Read(buffer);
        }
        catch (InvalidDataException e) when (IsCompressed)
        {
            throw new InvalidDataException($"{_path}: corrupt gzip data after {_read} decompressed bytes ({e.Message.TrimEnd('.')})", e);
        }
        if (n == 0 && buffer.Length > 0) Verify();
        var got = buffer[..n];
        if (_text && got.IndexOf((byte)0) is int at and >= 0)
            throw new InvalidDataException($"{_path}: byte {_read + at}{(IsCompressed ? " (decompressed)" : "")} is a NUL byte: a binary or UTF-16 " +
                $"file, expected UTF-8 CSV text");
        _crc?.Append(got);
        _read += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _content.Dispose();
            _file.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>At the end of gzip data: its CRC-32 and length must be the trailer's (one gzip member, as gzip writes).</summary>
    private void Verify()
    {
        if (_crc is null) return;
        bool whole = _trailer is not null
            && BinaryPrimitives.ReadUInt32LittleEndian(_trailer) == _crc.GetCurrentHashAsUInt32()
            && BinaryPrimitives.ReadUInt32LittleEndian(_trailer.AsSpan(4)) == (uint)_read;
        if (!whole)
            throw new InvalidDataException($"{_path}: truncated or corrupt gzip file (the {_read} decompressed bytes do not match the gzip trailer; " +
                $"concatenated multi-member gzip is not supported, decompress it with gunzip)");
    }
}
