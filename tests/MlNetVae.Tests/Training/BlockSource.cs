using MlNetVae.Training;

namespace MlNetVae.Tests.Training;

/// <summary>
/// Rows in memory served as an <see cref="IRowBlockSource"/>: blocks of <c>blockRows</c> consecutive rows keyed by row
/// index, in a random block order when a pass asks for a shuffle and <see cref="Shuffles"/> is set (as an ML.NET binary
/// file does), counting passes and rows, and able to drop rows from a given pass on (data that changes).
/// </summary>
internal sealed class BlockSource(float[] rows, int features, int blockRows) : IRowBlockSource
{
    public int Features => features;

    public long? RowCount => Known ? rows.Length / features - Dropped(Passes + 1) : null;

    public bool Known { get; init; } = true;

    public bool Shuffles { get; init; }

    /// <summary>From this pass on (counted from 1), the last row is missing.</summary>
    public int ShrinksAtPass { get; init; } = int.MaxValue;

    /// <summary>Called after each block is handed out, with the pass number.</summary>
    public Action<int>? AfterBlock { get; init; }

    public int Passes { get; private set; }

    public long RowsRead { get; private set; }

    public List<int?> Seeds { get; } = [];

    public IEnumerable<RowBlock> Read(int? shuffleSeed, CancellationToken cancellationToken)
    {
        int pass = ++Passes;
        Seeds.Add(shuffleSeed);
        int count = rows.Length / features - Dropped(pass);
        var starts = Enumerable.Range(0, (count + blockRows - 1) / blockRows).Select(b => b * blockRows).ToArray();
        if (Shuffles && shuffleSeed is int seed) new Random(seed).Shuffle(starts);
        foreach (int start in starts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(blockRows, count - start);
            RowsRead += n;
            yield return new RowBlock(rows.AsMemory(start * features, n * features), Enumerable.Range(start, n).Select(i => (ulong)i).ToArray());
            AfterBlock?.Invoke(pass);
        }
    }

    private int Dropped(int pass) => pass >= ShrinksAtPass ? 1 : 0;
}
