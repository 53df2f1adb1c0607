using MlNetVae.Training;

namespace MlNetVae.Tests.Training;

/// <summary>
/// Rows in memory served as an <see cref="IRowBlockSource"/>: blocks of <c>blockRows</c> consecutive rows keyed by row
/// index, in a random block order when a pass asks for a shuffle and <see cref="Shuffles"/> is set (as an ML.NET binary
/// file does), in one buffer reused for every block when <see cref="ReusesBuffers"/> is set (as a cursor's reader does),
/// counting passes, rows and passes still open, and able to drop rows from a given pass on (data that changes).
/// </summary>
internal sealed class BlockSource(float[] rows, int features, int blockRows) : IRowBlockSource
{
    public int Features => features;

    public long? RowCount => Known ? rows.Length / features - Dropped(Passes + 1) : null;

    public bool Known { get; init; } = true;

    public bool Shuffles { get; init; }

    public bool ReusesBuffers { get; init; }

    /// <summary>From this pass on (counted from 1), the last row is missing.</summary>
    public int ShrinksAtPass { get; init; } = int.MaxValue;

    /// <summary>Called after each block is handed out, with the pass number.</summary>
    public Action<int>? AfterBlock { get; init; }

    public int Passes { get; private set; }

    public long RowsRead { get; private set; }

    /// <summary>Passes begun and not yet ended or disposed (a cursor still open).</summary>
    public int OpenPasses => Volatile.Read(ref _open);

    private int _open;

    public List<int?> Seeds { get; } = [];

    public IEnumerable<RowBlock> Read(int? shuffleSeed, CancellationToken cancellationToken)
    {
        int pass = ++Passes;
        Seeds.Add(shuffleSeed);
        int count = rows.Length / features - Dropped(pass);
        var starts = Enumerable.Range(0, (count + blockRows - 1) / blockRows).Select(b => b * blockRows).ToArray();
        if (Shuffles && shuffleSeed is int seed) new Random(seed).Shuffle(starts);
        var rowBuffer = new float[blockRows * features];
        var keyBuffer = new ulong[blockRows];
        Interlocked.Increment(ref _open);
        try
        {
            foreach (int start in starts)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = Math.Min(blockRows, count - start);
                RowsRead += n;
                var block = rows.AsMemory(start * features, n * features);
                ReadOnlyMemory<ulong> keys = Enumerable.Range(start, n).Select(i => (ulong)i).ToArray();
                if (ReusesBuffers)
                {
                    block.CopyTo(rowBuffer);
                    keys.CopyTo(keyBuffer);
                    (block, keys) = (rowBuffer.AsMemory(0, n * features), keyBuffer.AsMemory(0, n));
                }
                yield return new RowBlock(block, keys);
                if (ReusesBuffers)
                {
                    // What a reader that moved on leaves behind.
                    rowBuffer.AsSpan().Fill(float.NaN);
                    keyBuffer.AsSpan().Fill(ulong.MaxValue);
                }
                AfterBlock?.Invoke(pass);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    private int Dropped(int pass) => pass >= ShrinksAtPass ? 1 : 0;
}
