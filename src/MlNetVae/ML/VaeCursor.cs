using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Graph;
using MlNetVae.Inference;

namespace MlNetVae.ML;

/// <summary>
/// The transform's cursor: rows pass through one by one, while the model runs once per batch. A second input cursor,
/// reading only the feature column, runs a batch ahead; the first moves in lockstep and serves the input columns,
/// position and ids. Both see the same rows in the same order (the same seed when shuffling), so the outputs of row i
/// sit at i's place in the current batch. Memory is one batch, whatever the row count.
/// </summary>
internal sealed class VaeCursor : DataViewRowCursor
{
    private readonly VaeDataView _view;
    private readonly DataViewRowCursor _rows;
    private readonly DataViewRowCursor? _ahead;
    private readonly ValueGetter<VBuffer<float>>? _features;
    private readonly IBatchScorer? _scorer;
    private readonly Dictionary<int, OutputColumn> _active;
    private readonly float[] _batch;
    private readonly int _batchRows;
    private readonly ScorerBuffers? _outputs;
    private VBuffer<float> _row;
    private int _index = -1, _filled;
    private long _read;

    public VaeCursor(VaeDataView view, DataViewRowCursor rows, DataViewRowCursor? ahead, Dictionary<int, OutputColumn> active)
    {
        _view = view;
        _rows = rows;
        _ahead = ahead;
        _active = active;
        var t = view.Transformer;
        _batchRows = t.Options.InferenceBatchSize;
        _batch = ahead is null ? [] : new float[_batchRows * t.Model.Features];
        if (ahead is null) return;
        _features = ahead.GetGetter<VBuffer<float>>(ahead.Schema[view.Features.Index]);
        _scorer = t.CreateScorer();
        _outputs = new ScorerBuffers(t.Model, _batchRows, active.Values.Select(c => c.Output)); // reused by every batch
    }

    public override DataViewSchema Schema => _view.Schema;

    public override long Position => _rows.Position;

    public override long Batch => _rows.Batch;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _rows.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        _active.ContainsKey(column.Index) || column.Index < _view.Input.Schema.Count && _rows.IsColumnActive(_rows.Schema[column.Index]);

    // Optimized at the first call: an app that scores once after training runs this per row or per batch before
    // tiered compilation would promote it, and at tier 0 the cursor, not the model, sets the speed (README, "Speed").
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool MoveNext()
    {
        if (!_rows.MoveNext()) return false;
        if (_ahead is null) return true;
        if (++_index >= _filled) Fill();
        return true;
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
        _active.TryGetValue(column.Index, out var output)
            ? OutputGetters.Create<TValue>(output, () => Output(output), () => _index, _view.Transformer.Threshold)
            : _rows.GetGetter<TValue>(_rows.Schema[column.Index]);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rows.Dispose();
            _ahead?.Dispose();
            _scorer?.Dispose();
        }
        base.Dispose(disposing);
    }

    private float[] Output(OutputColumn column)
    {
        if (_index < 0 || _index >= _filled) throw new InvalidOperationException("the cursor is not on a row");
        return _outputs!.For(column.Output);
    }

    /// <summary>Reads the next batch through the look-ahead cursor and runs the model on it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Fill()
    {
        int d = _view.Transformer.Model.Features, n = 0;
        while (n < _batchRows && _ahead!.MoveNext())
        {
            _features!(ref _row);
            FeatureReader.Copy(_row, _batch.AsSpan(n * d, d), _view.Features.Name, _read++);
            n++;
        }
        if (n == 0) throw new InvalidOperationException("the input changed between two reads: the look-ahead cursor ran out of rows before the row cursor");
        _scorer!.Score(_batch, n, _outputs!);
        _view.Transformer.CheckFinite(_outputs!, n, _read - n);
        (_filled, _index) = (n, 0);
    }
}
