using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Inference;
using MlNetVae.Spec;

namespace MlNetVae.ML;

/// <summary>
/// The transformer one row at a time, for <c>PredictionEngine</c>: each output row computes the VAE on its input row
/// when an output is first read, and reuses that result until the input row's features change.
/// </summary>
internal sealed class VaeRowMapper : IRowToRowMapper
{
    private readonly VaeTransformer _transformer;
    private readonly DataViewSchema.Column _features;
    private readonly Dictionary<int, OutputColumn> _outputs = [];

    public VaeRowMapper(VaeTransformer transformer, DataViewSchema input)
    {
        _transformer = transformer;
        InputSchema = input;
        _features = VaeSchema.FeatureColumn(input, transformer.Options.FeatureColumnName, transformer.Model.Features);
        var columns = transformer.OutputColumns;
        OutputSchema = VaeSchema.Output(input, columns);
        for (int i = 0; i < columns.Length; i++) _outputs[input.Count + i] = columns[i];
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var depending = dependingColumns.ToArray();
        var inputs = depending.Where(c => c.Index < InputSchema.Count).Select(c => InputSchema[c.Index]).ToList();
        if (depending.Any(c => _outputs.ContainsKey(c.Index)) && !inputs.Contains(_features)) inputs.Add(_features);
        return inputs;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(this, input, activeColumns.Select(c => c.Index).Where(_outputs.ContainsKey).ToHashSet());

    private sealed class Row : DataViewRow
    {
        private readonly VaeRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly ValueGetter<VBuffer<float>>? _features;
        private readonly IBatchScorer? _scorer;
        private readonly ScorerBuffers? _outputs;
        private readonly float[] _current, _computed;
        private VBuffer<float> _row;
        private bool _valid;

        public Row(VaeRowMapper mapper, DataViewRow input, HashSet<int> active)
        {
            _mapper = mapper;
            _input = input;
            _active = active;
            int d = mapper._transformer.Model.Features;
            (_current, _computed) = (new float[d], new float[d]);
            if (active.Count == 0) return;
            _features = input.GetGetter<VBuffer<float>>(mapper._features);
            _scorer = mapper._transformer.CreateScorer();
            _outputs = new ScorerBuffers(mapper._transformer.Model, 1, active.Select(i => mapper._outputs[i].Output));
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            _active.Contains(column.Index) || column.Index < _mapper.InputSchema.Count && _input.IsColumnActive(_input.Schema[column.Index]);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_mapper._outputs.TryGetValue(column.Index, out var output)) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            if (!_active.Contains(column.Index)) throw new InvalidOperationException($"column '{column.Name}' is not active");
            return OutputGetters.Create<TValue>(output, () => Compute(output), () => 0, _mapper._transformer.Threshold);
        }

        /// <summary>The output for the current input row, computed when its features differ from the last ones computed.</summary>
        private float[] Compute(OutputColumn column)
        {
            _features!(ref _row);
            FeatureReader.Copy(_row, _current, _mapper._features.Name, _input.Position);
            if (!_valid || !_current.AsSpan().SequenceEqual(_computed))
            {
                _scorer!.Score(_current, 1, _outputs!);
                _mapper._transformer.CheckFinite(_outputs!, 1, _input.Position);
                _current.CopyTo(_computed, 0);
                _valid = true;
            }
            return _outputs!.For(column.Output);
        }
    }
}
