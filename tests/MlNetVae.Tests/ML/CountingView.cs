using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetVae.Tests.ML;

/// <summary>
/// A data view that counts the cursors opened on it and the rows they moved through; with <see cref="HidesRowCount"/>
/// it does not tell its row count in advance (as a database reader or a text loader would not).
/// </summary>
internal sealed class CountingView(IDataView inner) : IDataView
{
    private long _rows;

    public int Cursors { get; private set; }

    public long Rows => Interlocked.Read(ref _rows);

    public DataViewSchema Schema => inner.Schema;

    public bool CanShuffle => inner.CanShuffle;

    public bool HidesRowCount { get; init; }

    public long? GetRowCount() => HidesRowCount ? null : inner.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        Cursors++;
        return new Cursor(this, inner.GetRowCursor(columnsNeeded, rand));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(CountingView view, DataViewRowCursor inner) : DataViewRowCursor
    {
        public override DataViewSchema Schema => inner.Schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(column);
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

        public override bool MoveNext()
        {
            if (!inner.MoveNext()) return false;
            Interlocked.Increment(ref view._rows);
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
