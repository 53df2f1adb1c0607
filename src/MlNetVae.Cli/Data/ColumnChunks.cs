using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetVae.Cli.Data;

/// <summary>A block of consecutive rows of a few columns, each flat [rows, width] as float (Boolean as 0 or 1).</summary>
/// <param name="FirstRow">The index of the block's first row.</param>
/// <param name="Rows">Rows in the block.</param>
/// <param name="Columns">The values by column name.</param>
internal sealed record Chunk(long FirstRow, int Rows, IReadOnlyDictionary<string, float[]> Columns)
{
    /// <summary>One column's values, flat.</summary>
    public float[] this[string column] => Columns[column];

    /// <summary>One column's values of row <paramref name="row"/> (within the block).</summary>
    public ReadOnlySpan<float> Row(string column, int row)
    {
        var values = Columns[column];
        int width = values.Length / Math.Max(1, Rows);
        return values.AsSpan(row * width, width);
    }
}

/// <summary>
/// Reads chosen columns of a data view block by block: commands stream their output (scores, embeddings) from the
/// transformer's lazy view in constant memory, whatever the number of rows.
/// </summary>
internal static class ColumnChunks
{
    /// <summary>Rows per block of every streaming command: memory stays a few MB whatever the file's size.</summary>
    public const int BlockRows = 4096;

    /// <summary>
    /// The seed of block <paramref name="block"/> of a run seeded <paramref name="seed"/>: each block draws from its own
    /// seed, so a file's sampled numbers do not depend on how the blocks before it were drawn.
    /// </summary>
    public static int BlockSeed(int seed, int block) => unchecked(seed + 7919 * block);

    /// <summary>
    /// Blocks of up to <paramref name="rows"/> rows of the named columns (Single, Boolean, or known-size Single vectors);
    /// fewer for wide rows, so that a block holds a bounded number of values (<see cref="InputLimits.BlockRows"/>).
    /// </summary>
    public static IEnumerable<Chunk> Read(IDataView view, int rows, params string[] columns)
    {
        var cols = columns.Select(c => view.Schema[c]).ToArray();
        var widths = cols.Select(c => c.Type is VectorDataViewType v ? v.Size : 1).ToArray();
        rows = InputLimits.BlockRows(widths.Sum(), rows);
        using var cursor = view.GetRowCursor(cols);
        var getters = cols.Select(c => Getter(cursor, c)).ToArray();
        long first = 0;
        while (true)
        {
            var values = cols.Select((c, i) => new float[rows * widths[i]]).ToArray();
            int n = 0;
            while (n < rows && cursor.MoveNext())
            {
                for (int i = 0; i < cols.Length; i++) getters[i](values[i].AsSpan(n * widths[i], widths[i]));
                n++;
            }
            if (n == 0) yield break;
            var dict = new Dictionary<string, float[]>();
            for (int i = 0; i < cols.Length; i++) dict[columns[i]] = n == rows ? values[i] : values[i][..(n * widths[i])];
            yield return new Chunk(first, n, dict);
            first += n;
            if (n < rows) yield break;
        }
    }

    private static Action<Span<float>> Getter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        switch (column.Type)
        {
            case VectorDataViewType:
                var vector = cursor.GetGetter<VBuffer<float>>(column);
                var buffer = default(VBuffer<float>);
                return destination =>
                {
                    vector(ref buffer);
                    buffer.CopyTo(destination);
                };
            case BooleanDataViewType:
                var flag = cursor.GetGetter<bool>(column);
                return destination =>
                {
                    bool b = false;
                    flag(ref b);
                    destination[0] = b ? 1f : 0f;
                };
            default:
                var single = cursor.GetGetter<float>(column);
                return destination =>
                {
                    float v = 0;
                    single(ref v);
                    destination[0] = v;
                };
        }
    }
}
