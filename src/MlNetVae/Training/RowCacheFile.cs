using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using MlNetVae.Engine.Randomness;

namespace MlNetVae.Training;

/// <summary>
/// Training rows too many for the memory budget, copied to a temporary file while the first pass reads them, so every
/// later pass (each epoch, the scoring passes) reads raw float32 back instead of the IDataView: no decompressing,
/// parsing or densifying again (that cost 1-2 µs a row beside 6-8 µs of training), and a shuffled order of its chunks
/// whatever the view can do. Memory stays one chunk per pass: the file's pages belong to the operating system's cache.
/// <para>
/// The file exists only while this object lives and never under its name for long: on Linux and macOS it is unlinked
/// as soon as it is opened (the open handle keeps its data), so not even a killed process leaves it behind; on Windows
/// the system deletes it when its handle closes.
/// </para>
/// Layout: chunks of <see cref="ChunkRows"/> rows in the order appended, each [ChunkRows, D] float32 then [ChunkRows]
/// uint64 keys; the last chunk may be short.
/// </summary>
internal sealed class RowCacheFile : IRowBlockSource, IDisposable
{
    /// <summary>Values per chunk (256 KB of float32), as an IDataView block: a few thousand table rows, a few dozen images.</summary>
    private const int ChunkValues = 1 << 16;

    private readonly SafeFileHandle _file;
    private readonly string _folder;
    private readonly float[] _rows; // (ChunkRows, D): the chunk being written
    private readonly ulong[] _keys; // (ChunkRows)
    private int _pending;
    private long _count;
    private bool _complete;

    private RowCacheFile(SafeFileHandle file, string folder, int features)
    {
        (_file, _folder, Features) = (file, folder, features);
        ChunkRows = Math.Max(1, ChunkValues / features);
        _rows = new float[ChunkRows * features];
        _keys = new ulong[ChunkRows];
    }

    /// <summary>Rows per chunk: the unit of a shuffled pass's order.</summary>
    public int ChunkRows { get; }

    public int Features { get; }

    /// <summary>The rows appended, once <see cref="Complete"/> has been called.</summary>
    public long? RowCount => _complete ? _count : null;

    private long ChunkBytes => (long)ChunkRows * (4L * Features + 8);

    /// <summary>Creates an empty cache for rows of <paramref name="features"/> values in <paramref name="folder"/>.</summary>
    /// <exception cref="IOException">The folder cannot hold a new file (the message names it and what to do).</exception>
    public static RowCacheFile Create(string folder, int features)
    {
        string path = Path.Combine(folder, $"mlnetvae-rows-{Guid.NewGuid():N}.tmp");
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
                OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failed(folder, e);
        }
        if (!OperatingSystem.IsWindows()) File.Delete(path);
        return new RowCacheFile(file, folder, features);
    }

    /// <summary>Appends a block's rows and keys.</summary>
    /// <exception cref="IOException">The disk is full (the message names the folder and what to do).</exception>
    public void Append(RowBlock block)
    {
        if (_complete) throw new InvalidOperationException("the cache is complete");
        int d = Features;
        var rows = block.Rows.Span;
        var keys = block.Keys.Span;
        for (int at = 0; at < block.Count;)
        {
            int n = Math.Min(ChunkRows - _pending, block.Count - at);
            rows.Slice(at * d, n * d).CopyTo(_rows.AsSpan(_pending * d));
            keys.Slice(at, n).CopyTo(_keys.AsSpan(_pending));
            (_pending, at) = (_pending + n, at + n);
            if (_pending == ChunkRows) Flush();
        }
    }

    /// <summary>Writes the last, short chunk: the cache is ready to read.</summary>
    public void Complete()
    {
        if (_complete) return;
        if (_pending > 0) Flush();
        _complete = true;
    }

    /// <summary>
    /// One pass, chunk by chunk: in the order appended, or with <paramref name="shuffleSeed"/> in a random order of the
    /// chunks (the rows of a chunk stay together; the training loop's shuffle pool mixes them). Each pass has buffers of
    /// its own, so passes may run on any thread.
    /// </summary>
    public IEnumerable<RowBlock> Read(int? shuffleSeed, CancellationToken cancellationToken)
    {
        if (!_complete) throw new InvalidOperationException("the cache is still being written");
        int d = Features, chunks = (int)((_count + ChunkRows - 1) / ChunkRows);
        var order = Enumerable.Range(0, chunks).ToArray();
        if (shuffleSeed is int seed)
        {
            var rng = new Rng((ulong)seed);
            for (int i = chunks - 1; i > 0; i--)
            {
                int j = rng.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        var rows = new float[ChunkRows * d]; // (ChunkRows, D)
        var keys = new ulong[ChunkRows];
        foreach (int chunk in order)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = (int)Math.Min(ChunkRows, _count - (long)chunk * ChunkRows);
            long at = chunk * ChunkBytes;
            ReadExactly(MemoryMarshal.AsBytes(rows.AsSpan(0, n * d)), at);
            ReadExactly(MemoryMarshal.AsBytes(keys.AsSpan(0, n)), at + 4L * ChunkRows * d);
            yield return new RowBlock(rows.AsMemory(0, n * d), keys.AsMemory(0, n));
        }
    }

    /// <summary>Closes the file: its data go with it.</summary>
    public void Dispose() => _file.Dispose();

    private void Flush()
    {
        long at = _count / ChunkRows * ChunkBytes; // flushed chunks are whole, but the last
        try
        {
            RandomAccess.Write(_file, MemoryMarshal.AsBytes(_rows.AsSpan(0, _pending * Features)), at);
            RandomAccess.Write(_file, MemoryMarshal.AsBytes(_keys.AsSpan(0, _pending)), at + 4L * ChunkRows * Features);
        }
        catch (IOException e)
        {
            throw Failed(_folder, e);
        }
        _count += _pending;
        _pending = 0;
    }

    private void ReadExactly(Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            int read = RandomAccess.Read(_file, buffer, offset);
            if (read == 0) throw new IOException($"the row cache in {_folder} ended early: another process truncated it");
            buffer = buffer[read..];
            offset += read;
        }
    }

    private static IOException Failed(string folder, Exception e) => new(
        $"the rows beyond the memory budget could not be copied to a temporary file in {folder} ({e.Message.TrimEnd('.')}): free space " +
        $"there, point TMPDIR elsewhere, or set VaeOptions.DiskCache = false (--disk-cache false) to read the data again every epoch", e);
}
