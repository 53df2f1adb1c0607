using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Training;

namespace MlNetVae.ML;

/// <summary>
/// Reads one known-size Single vector column of an <see cref="IDataView"/>: all of it into one flat float32 buffer
/// (training holds its data once), or row by row into a caller's buffer (the transform's batches). A NaN or infinite
/// value is an error naming the column, the row and the slot.
/// </summary>
internal static class FeatureReader
{
    private const int ReportEveryRows = 50_000;

    /// <summary>
    /// Every row's features, flat [rows, D]. When the row count is known the buffer is allocated once at its final size;
    /// otherwise rows collect in chunks that are copied once at the end. Progress reports come as epoch 0, step = rows read.
    /// </summary>
    public static (float[] Rows, int Count) ReadAll(IDataView data, DataViewSchema.Column column, IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        int d = ((VectorDataViewType)column.Type).Size;
        long? known = data.GetRowCount();
        if (known is long k && k * d > Array.MaxLength)
            throw new ArgumentException($"{k} rows x {d} features do not fit in one float32 buffer ({Array.MaxLength} values at most)");
        var chunks = new List<float[]>();
        var current = new float[known is long n0 ? Math.Max(1, n0 * d) : Math.Max(d, (1 << 20) / d * d)];
        int used = 0, count = 0;
        var buffer = default(VBuffer<float>);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        while (cursor.MoveNext())
        {
            if ((count & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
            if (used + d > current.Length)
            {
                chunks.Add(current);
                current = new float[current.Length];
                used = 0;
            }
            getter(ref buffer);
            Copy(buffer, current.AsSpan(used, d), column.Name, count);
            used += d;
            count++;
            if ((long)count * d > Array.MaxLength) throw new ArgumentException($"more than {Array.MaxLength / d} rows of {d} features do not fit in " +
                $"one float32 buffer");
            if (progress is not null && count % ReportEveryRows == 0)
                progress.Report(new TrainingProgress(0, 0, count, 0, 0, 0, 0, null, count / clock.Elapsed.TotalSeconds, clock.Elapsed));
        }
        if (count == 0) throw new ArgumentException($"the input has no rows to train on (column '{column.Name}')");
        if (chunks.Count == 0 && used == current.Length) return (current, count);
        var all = new float[(long)count * d];
        int at = 0;
        foreach (var chunk in chunks)
        {
            chunk.CopyTo(all, at);
            at += chunk.Length;
        }
        Array.Copy(current, 0, all, at, used);
        return (all, count);
    }

    /// <summary>Densifies one row into <paramref name="destination"/> (D values), checking that every value is finite.</summary>
    public static void Copy(in VBuffer<float> row, Span<float> destination, string column, long rowIndex)
    {
        if (row.Length != destination.Length)
            throw new InvalidDataException($"column '{column}', row {rowIndex}: {row.Length} values, expected {destination.Length}");
        if (row.IsDense) row.GetValues().CopyTo(destination);
        else
        {
            destination.Clear();
            var values = row.GetValues();
            var indices = row.GetIndices();
            for (int i = 0; i < values.Length; i++) destination[indices[i]] = values[i];
        }
        int bad = destination.IndexOfAnyExceptInRange(float.MinValue, float.MaxValue);
        if (bad >= 0) throw new InvalidDataException($"column '{column}', row {rowIndex}, slot {bad}: expected a finite number, found " +
            $"{destination[bad].ToString(System.Globalization.CultureInfo.InvariantCulture)}");
    }
}
