using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetVae.ML;

/// <summary>
/// The lazy result of <see cref="VaeTransformer.Transform"/>: the input's columns plus the VAE's. Nothing is computed
/// until a cursor reads an output column, and then only the outputs read are computed, batch by batch.
/// </summary>
internal sealed class VaeDataView : IDataView
{
    private readonly Dictionary<int, OutputColumn> _outputs = [];

    public VaeDataView(VaeTransformer transformer, IDataView input)
    {
        Transformer = transformer;
        Input = input;
        Features = VaeSchema.FeatureColumn(input.Schema, transformer.Options.FeatureColumnName, transformer.Model.Features);
        var columns = transformer.OutputColumns;
        Schema = VaeSchema.Output(input.Schema, columns);
        for (int i = 0; i < columns.Length; i++) _outputs[input.Schema.Count + i] = columns[i];
    }

    public VaeTransformer Transformer { get; }

    public IDataView Input { get; }

    /// <summary>The input's feature column.</summary>
    public DataViewSchema.Column Features { get; }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => Input.CanShuffle;

    public long? GetRowCount() => Input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => Create(columnsNeeded, rand);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [Create(columnsNeeded, rand)];

    private VaeCursor Create(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        var active = _outputs.Where(o => needed.Contains(o.Key)).ToDictionary(o => o.Key, o => o.Value);
        var passthrough = needed.Where(i => i < Input.Schema.Count).Select(i => Input.Schema[i]).ToArray();
        // Both cursors must see the same order: when shuffling, each gets its own generator from one seed.
        int? seed = rand?.Next();
        var rows = Input.GetRowCursor(passthrough, seed is int s1 ? new Random(s1) : null);
        if (active.Count == 0) return new VaeCursor(this, rows, null, active);
        var ahead = Input.GetRowCursor([Features], seed is int s2 ? new Random(s2) : null);
        return new VaeCursor(this, rows, ahead, active);
    }
}
