using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace MlNetVae.Training;

/// <summary>
/// One pass over an <see cref="IRowBlockSource"/> read on a background task while the blocks already read are trained
/// on: reading a row from an IDataView (a cursor's decompression and densifying) costs about a third of training it,
/// and overlapped it costs less (reading the <see cref="RowCacheFile"/> costs little either way). The reader copies
/// each block into one of <see cref="Buffers"/> buffers of its own (the source reuses its buffers), at most
/// <see cref="Buffers"/> - 1 blocks ahead of the one the consumer holds. Blocks arrive in the order the source gives
/// them, so what is trained on is what a serial read gives, bit for bit; a failure of the source (bad data,
/// cancellation between blocks) surfaces at the block where a serial read would meet it.
/// </summary>
internal sealed class ReadAhead : IEnumerator<RowBlock>
{
    /// <summary>Block buffers: the one being trained on, and the ones read ahead of it.</summary>
    internal const int Buffers = 3;

    private readonly BlockingCollection<Block> _free = new(), _ready = new();
    private readonly CancellationTokenSource _stop;
    private readonly Task _reader;
    private Block? _current;
    private ExceptionDispatchInfo? _failure;

    /// <summary>Starts reading the pass <c>source.Read(shuffleSeed, cancellationToken)</c>.</summary>
    public ReadAhead(IRowBlockSource source, int? shuffleSeed, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        for (int i = 0; i < Buffers; i++) _free.Add(new Block());
        // A thread of its own: the reader blocks while the buffers are full, and a cursor may wait on thread-pool work of
        // its own (ML.NET's binary loader decodes on tasks), which a blocked pool thread on two cores would starve.
        _reader = Task.Factory.StartNew(() => Read(source, shuffleSeed, _stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    public RowBlock Current => _current?.View ?? throw new InvalidOperationException("no block: call MoveNext first");

    object System.Collections.IEnumerator.Current => Current;

    /// <summary>Hands the current block's buffer back to the reader and takes the next block, waiting for it if need be.</summary>
    public bool MoveNext()
    {
        if (_current is not null) _free.Add(_current);
        _current = null;
        if (_ready.TryTake(out var next, Timeout.Infinite))
        {
            _current = next;
            return true;
        }
        _failure?.Throw();
        return false;
    }

    public void Reset() => throw new NotSupportedException("a pass is read once");

    /// <summary>Stops the reader (between blocks) and waits for it, so the source's cursor is closed on return.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _reader.Wait();
        _stop.Dispose();
        _free.Dispose();
        _ready.Dispose();
    }

    private void Read(IRowBlockSource source, int? shuffleSeed, CancellationToken stop)
    {
        try
        {
            foreach (var block in source.Read(shuffleSeed, stop))
            {
                var buffer = _free.Take(stop);
                buffer.Fill(block);
                _ready.Add(buffer, CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            // Kept for the consumer, who meets it after the blocks read before it (unless it stopped reading first).
            _failure = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            _ready.CompleteAdding();
        }
    }

    /// <summary>A block's rows and keys copied into buffers that grow to the largest block seen.</summary>
    private sealed class Block
    {
        private float[] _rows = []; // (n, D)
        private ulong[] _keys = []; // (n)

        public RowBlock View { get; private set; }

        public void Fill(RowBlock block)
        {
            if (_rows.Length < block.Rows.Length) _rows = new float[block.Rows.Length];
            if (_keys.Length < block.Count) _keys = new ulong[block.Count];
            block.Rows.CopyTo(_rows);
            block.Keys.CopyTo(_keys);
            View = new RowBlock(_rows.AsMemory(0, block.Rows.Length), _keys.AsMemory(0, block.Count));
        }
    }
}
