using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetVae.Cli.Data;

/// <summary>Produces rows one at a time: features into a buffer, and a label (NaN when there is none).</summary>
internal interface IRowSource : IDisposable
{
    /// <summary>Moves to the next row, writing its features; false at the end.</summary>
    bool Next(Span<float> features, out float label);
}

/// <summary>
/// Rows from a file as an ML.NET <see cref="IDataView"/>: a <c>Features</c> column (known-size Single vector) and,
/// when the rows have labels, a <c>Label</c> column (Single). Each cursor opens its own <see cref="IRowSource"/>, so
/// a file of any size streams through in constant memory, as many times as a consumer reads it.
/// </summary>
internal sealed class RowsDataView : IDataView
{
    /// <summary>The feature column's name.</summary>
    public const string FeaturesColumn = "Features";

    /// <summary>The label column's name.</summary>
    public const string LabelColumn = "Label";

    private readonly Func<IRowSource> _open;
    private readonly long? _rows;

    public RowsDataView(int features, bool hasLabel, long? rows, Func<IRowSource> open)
    {
        _open = open;
        _rows = rows;
        Features = features;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(FeaturesColumn, new VectorDataViewType(NumberDataViewType.Single, features));
        if (hasLabel) builder.AddColumn(LabelColumn, NumberDataViewType.Single);
        Schema = builder.ToSchema();
    }

    /// <summary>Features per row.</summary>
    public int Features { get; }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public long? GetRowCount() => _rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this, _open());

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n,
        Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(RowsDataView view, IRowSource source) : DataViewRowCursor
    {
        private readonly float[] _features = new float[view.Features];
        private float _label;
        private long _position = -1;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (!source.Next(_features, out _label)) return false;
            _position++;
            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            Delegate getter = column.Index == 0
                ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) =>
                {
                    var editor = VBufferEditor.Create(ref v, _features.Length);
                    _features.CopyTo(editor.Values);
                    v = editor.Commit();
                })
                : (ValueGetter<float>)((ref float v) => v = _label);
            return (ValueGetter<TValue>)getter;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) source.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>The records of a CSV file, encoded with a schema.</summary>
internal sealed class CsvRowSource : IRowSource
{
    private readonly CsvRecords _records;
    private readonly CsvRowEncoder _encoder;

    public CsvRowSource(string path, CsvSchema schema, string? extraLabel)
    {
        _records = CsvRecords.Open(path);
        try
        {
            _encoder = schema.Bind(path, _records.Header, extraLabel);
        }
        catch
        {
            _records.Dispose();
            throw;
        }
    }

    /// <summary>The bound encoder (which says whether the file has a label column).</summary>
    public CsvRowEncoder Encoder => _encoder;

    public bool Next(Span<float> features, out float label)
    {
        label = float.NaN;
        if (!_records.Read()) return false;
        label = _encoder.Encode(_records.Cells, _records.Line, features);
        return true;
    }

    public void Dispose() => _records.Dispose();
}

/// <summary>Rows already in memory: flat [rows, D] features and optional labels.</summary>
internal sealed class MemoryRowSource(float[] rows, int features, float[]? labels) : IRowSource
{
    private int _next;

    public bool Next(Span<float> destination, out float label)
    {
        label = float.NaN;
        if ((long)(_next + 1) * features > rows.Length) return false;
        rows.AsSpan(_next * features, features).CopyTo(destination);
        if (labels is not null) label = labels[_next];
        _next++;
        return true;
    }

    public void Dispose() { }
}
