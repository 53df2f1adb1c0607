using MlNetVae.Cli.Data;
using MlNetVae.ML;

namespace MlNetVae.Cli.Commands;

/// <summary>
/// Writes feature rows (reconstructions, samples) back in the model's own columns: for a CSV model its numeric columns
/// as numbers and each one-hot group as its most likely category (so what <c>sample</c> and <c>reconstruct</c> write
/// can be scored again), for other models one column per feature.
/// </summary>
internal sealed class RowWriter
{
    private readonly CsvColumn[]? _columns;

    private RowWriter(IReadOnlyList<string> header, CsvColumn[]? columns)
    {
        Header = header;
        _columns = columns;
    }

    /// <summary>The column names.</summary>
    public IReadOnlyList<string> Header { get; }

    public static RowWriter For(VaeTransformer model)
    {
        var info = ModelMetadata.Of(model);
        if (info.Csv is null) return new RowWriter(info.FeatureNames(model.Model.Features), null);
        var columns = info.Csv.Columns.Where(c => c.Kind != CsvColumnKind.Label).ToArray();
        return new RowWriter(columns.Select(c => c.Name).ToArray(), columns);
    }

    /// <summary>One row's cells.</summary>
    public IReadOnlyList<string> Cells(ReadOnlySpan<float> features)
    {
        if (_columns is null) return features.ToArray().Select(Outputs.Number).ToArray();
        var cells = new string[_columns.Length];
        int f = 0;
        for (int c = 0; c < _columns.Length; c++)
        {
            if (_columns[c].Kind == CsvColumnKind.Numeric)
            {
                cells[c] = Outputs.Number(features[f++]);
                continue;
            }
            int n = _columns[c].Categories.Length;
            cells[c] = _columns[c].Categories[System.Numerics.Tensors.TensorPrimitives.IndexOfMax(features.Slice(f, n))];
            f += n;
        }
        return cells;
    }
}
