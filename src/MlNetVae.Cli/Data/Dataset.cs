using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.ML;

namespace MlNetVae.Cli.Data;

/// <summary>
/// What a command reads from <c>--data</c>: the rows as an ML.NET <see cref="IDataView"/> (<c>Features</c>, and
/// <c>Label</c> when there are labels), streamed from the file, plus what the command needs to describe them.
/// </summary>
/// <param name="View">The rows: Features (Vector of Single), Label (Single, when known).</param>
/// <param name="Source">The file, for messages.</param>
/// <param name="Rows">The row count, when known before reading (learned with the schema, or counted for images).</param>
/// <param name="FeatureNames">One name per feature (CSV columns, one-hot slots as column=category; pixel_r_c for images).</param>
/// <param name="Csv">The CSV schema the rows were encoded with, or null for images.</param>
/// <param name="ImageShape">(height, width) for IDX images, else null.</param>
/// <param name="ClassNames">Label i's name, when the labels have names.</param>
/// <param name="Warnings">What reading noticed without refusing (a column that looks like a label).</param>
internal sealed record Dataset(IDataView View, string Source, long? Rows, IReadOnlyList<string> FeatureNames, CsvSchema? Csv,
    (int Height, int Width)? ImageShape, IReadOnlyList<string>? ClassNames, IReadOnlyList<string> Warnings)
{
    /// <summary>Features per row.</summary>
    public int Features => FeatureNames.Count;

    /// <summary>True when the rows have labels.</summary>
    public bool HasLabels => View.Schema.GetColumnOrNull(RowsDataView.LabelColumn) is not null;

    /// <summary>
    /// Opens <paramref name="path"/>: a CSV file with a header (the schema learned from it, or <paramref name="schema"/>
    /// when given), or IDX images (with an IDX label file and a class to keep).
    /// </summary>
    public static Dataset Open(string path, string? labels, int? keepClass, string? labelColumn, CsvSchema? schema = null)
    {
        if (Directory.Exists(path)) throw new InvalidDataException($"{path}: is a folder, expected a data file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        return IsIdx(path) ? OpenIdx(path, labels, keepClass, labelColumn) : OpenCsv(path, labels, keepClass, labelColumn, schema);
    }

    /// <summary>Every row's features, flat [rows, D] (the one copy training holds).</summary>
    public float[] ReadFeatures()
    {
        var column = View.Schema[RowsDataView.FeaturesColumn];
        return FeatureReader.ReadAll(View, column, null, CancellationToken.None).Rows;
    }

    /// <summary>Every row's label (NaN where missing), or null without labels.</summary>
    public float[]? ReadLabels() => HasLabels ? View.GetColumn<float>(RowsDataView.LabelColumn).ToArray() : null;

    /// <summary>IDX files start with two zero bytes and the type code 0x08 (after gunzip, for .gz); CSV never does.</summary>
    private static bool IsIdx(string path)
    {
        using var input = InputFile.Open(path, text: false);
        Span<byte> magic = stackalloc byte[3];
        return input.ReadAtLeast(magic, 3, throwOnEndOfStream: false) == 3 && magic[0] == 0 && magic[1] == 0 && magic[2] == 8;
    }

    private static Dataset OpenCsv(string path, string? labels, int? keepClass, string? labelColumn, CsvSchema? schema)
    {
        if (labels is not null) throw new ArgumentException($"--labels {labels}: an IDX label file goes with IDX images; for CSV data name the label " +
            $"column with --label-column");
        if (keepClass is not null) throw new ArgumentException("--class keeps one class of IDX images; it does not apply to CSV data");
        var warnings = new List<string>();
        long? rows = null;
        if (schema is null)
        {
            // Learning the schema streams the file once; the rows then stream again, encoded, each time they are read.
            schema = CsvSchema.Infer(path, labelColumn);
            warnings.AddRange(schema.Warnings);
            rows = schema.Rows;
        }
        bool hasLabel;
        using (var first = new CsvRowSource(path, schema, labelColumn)) hasLabel = first.Encoder.LabelColumn is not null;
        var names = (schema.Label?.Name == labelColumn || labelColumn is null) && schema.Label is { Categories.Length: > 0 } l ? l.Categories : null;
        var view = new RowsDataView(schema.FeatureNames.Count, hasLabel, rows, () => new CsvRowSource(path, schema, labelColumn));
        return new Dataset(view, path, rows, schema.FeatureNames, schema, null, names, warnings);
    }

    private static Dataset OpenIdx(string path, string? labelsPath, int? keepClass, string? labelColumn)
    {
        if (labelColumn is not null) throw new ArgumentException("--label-column names a CSV column; IDX images take their labels from --labels");
        if (keepClass is not null && labelsPath is null) throw new ArgumentException("--class needs --labels (the IDX label file)");
        var images = IdxFile.ReadImages(path);
        float[]? labels = null;
        if (labelsPath is not null)
        {
            var bytes = IdxFile.ReadLabels(labelsPath);
            if (bytes.Length != images.Count)
                throw new InvalidDataException($"{labelsPath}: {bytes.Length} labels for the {images.Count} images of {path}");
            labels = bytes.Select(b => (float)b).ToArray();
        }
        var picked = Enumerable.Range(0, images.Count).Where(i => keepClass is not int k || labels![i] == k).ToArray();
        if (picked.Length == 0) throw new InvalidDataException($"{labelsPath}: no image has class {keepClass}");
        var pickedLabels = labels is null ? null : picked.Select(i => labels[i]).ToArray();
        var view = new RowsDataView(images.Features, labels is not null, picked.Length, () => new IdxRowSource(images, picked, pickedLabels));
        var names = Enumerable.Range(0, images.Features).Select(i => $"pixel_{i / images.Width}_{i % images.Width}").ToArray();
        return new Dataset(view, path, picked.Length, names, null, (images.Height, images.Width), null, []);
    }
}

/// <summary>The images of an IDX file (a subset, by index), scaled to [0, 1].</summary>
internal sealed class IdxRowSource(IdxImages images, int[] picked, float[]? labels) : IRowSource
{
    private int _next;

    public bool Next(Span<float> features, out float label)
    {
        label = float.NaN;
        if (_next >= picked.Length) return false;
        images.CopyTo(picked[_next], features);
        if (labels is not null) label = labels[_next];
        _next++;
        return true;
    }

    public void Dispose() { }
}
