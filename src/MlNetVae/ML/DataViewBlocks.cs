using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Training;

namespace MlNetVae.ML;

/// <summary>
/// An IDataView's feature column as blocks of rows, pass after pass (<see cref="IRowBlockSource"/>): each pass opens a
/// cursor (in the view's own shuffled order when training asks for one and the view has one: an ML.NET binary file
/// reads its blocks in a random order) and densifies its rows into reused buffers, refusing a NaN or an infinity by
/// column, row and slot. A row's key is its ML.NET row id, which the view keeps the same whatever the cursor's order.
/// </summary>
internal sealed class DataViewBlocks(IDataView data, DataViewSchema.Column column) : IRowBlockSource
{
    /// <summary>Values per block (256 KB): a few thousand rows of a table, a few dozen images.</summary>
    private const int BlockValues = 1 << 16;

    public int Features => ((VectorDataViewType)column.Type).Size;

    public long? RowCount => data.GetRowCount();

    public IEnumerable<RowBlock> Read(int? shuffleSeed, CancellationToken cancellationToken)
    {
        int d = Features, capacity = Math.Max(1, BlockValues / d);
        var rows = new float[capacity * d]; // (capacity, D)
        var keys = new ulong[capacity];
        using var cursor = data.GetRowCursor([column], shuffleSeed is int seed && data.CanShuffle ? new Random(seed) : null);
        var features = cursor.GetGetter<VBuffer<float>>(column);
        var ids = cursor.GetIdGetter();
        var buffer = default(VBuffer<float>);
        var id = default(DataViewRowId);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = 0;
            while (n < capacity && cursor.MoveNext())
            {
                features(ref buffer);
                FeatureReader.Copy(buffer, rows.AsSpan(n * d, d), column.Name, cursor.Position);
                ids(ref id);
                keys[n++] = id.Low ^ id.High * 0x9E3779B97F4A7C15UL;
            }
            if (n == 0) yield break;
            yield return new RowBlock(rows.AsMemory(0, n * d), keys.AsMemory(0, n));
            if (n < capacity) yield break;
        }
    }
}
