namespace MlNetVae.Pipeline;

/// <summary>
/// Rows of features in raw units, all of one width, with the names of their columns and where they came from.
/// Immutable. Build one with the <c>From...</c> factories; every factory checks the schema (one width, finite
/// values) and names the row and column of the first bad value.
/// </summary>
public sealed class VaeData
{
    private VaeData(float[][] rows, string[] featureNames, int[]? labels, CsvSchema? schema, string source)
    {
        Rows = rows;
        FeatureNames = featureNames;
        Labels = labels;
        Schema = schema;
        Source = source;
    }

    /// <summary>The rows, [rows][features], in input order.</summary>
    public IReadOnlyList<float[]> Rows { get; }

    /// <summary>One name per feature column.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>One class label per row (IDX labels or a CSV label column), or null.</summary>
    public IReadOnlyList<int>? Labels { get; }

    /// <summary>The CSV schema the rows were encoded with (numeric and one-hot columns), or null for other sources.</summary>
    public CsvSchema? Schema { get; }

    /// <summary>Where the rows came from (a file path or a description), used in error messages.</summary>
    public string Source { get; }

    /// <summary>Number of rows.</summary>
    public int Count => Rows.Count;

    /// <summary>Number of feature columns.</summary>
    public int Features => FeatureNames.Count;

    /// <summary>Rows given as jagged arrays (copied).</summary>
    public static VaeData FromArrays(IEnumerable<float[]> rows, IReadOnlyList<string>? featureNames = null, IReadOnlyList<int>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return Create(rows.Select(r => (r ?? throw new ArgumentException("a row is null")).ToArray()).ToArray(), featureNames, labels, null, "rows");
    }

    /// <summary>Rows given as a matrix [rows, features] (copied).</summary>
    public static VaeData FromMatrix(float[,] matrix, IReadOnlyList<string>? featureNames = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int n = matrix.GetLength(0), d = matrix.GetLength(1);
        var rows = new float[n][];
        for (int r = 0; r < n; r++)
        {
            rows[r] = new float[d];
            for (int c = 0; c < d; c++) rows[r][c] = matrix[r, c];
        }
        return Create(rows, featureNames, null, null, "matrix");
    }

    /// <summary>
    /// Row batches: each memory holds whole rows of <paramref name="features"/> values, row-major (as a data loader
    /// or a pooled buffer hands them out). Copied, so the buffers may be reused after the call.
    /// </summary>
    public static VaeData FromBatches(IEnumerable<ReadOnlyMemory<float>> batches, int features, IReadOnlyList<string>? featureNames = null)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        var rows = new List<float[]>();
        int batchIndex = 0;
        foreach (var batch in batches)
        {
            if (batch.Length % features != 0)
                throw new ArgumentException($"batch {batchIndex} holds {batch.Length} values, not a whole number of rows of {features} features");
            for (int start = 0; start < batch.Length; start += features) rows.Add(batch.Span.Slice(start, features).ToArray());
            batchIndex++;
        }
        return Create(rows.ToArray(), featureNames, null, null, "batches");
    }

    /// <summary>Any sequence of items, each turned into a feature row by <paramref name="selector"/> (copied).</summary>
    public static VaeData From<T>(IEnumerable<T> items, Func<T, float[]> selector, IReadOnlyList<string>? featureNames = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(selector);
        return FromArrays(items.Select(selector), featureNames);
    }

    /// <summary>
    /// A CSV file with a header row. Numeric columns are read as they are; string columns are one-hot encoded.
    /// Without <paramref name="schema"/> the column types and categories are learned from this file (for fitting);
    /// with it (a fitted model's), the file must match it, and a category the model never saw is an error.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="schema">The schema to encode with, or null to infer one.</param>
    /// <param name="labelColumn">A column holding integer class labels, kept out of the features; null for none.
    /// With a schema that has no label column, the file may carry it in addition to the schema's columns.</param>
    /// <exception cref="InvalidDataException">The file breaks the schema (the message names file, line and column).</exception>
    public static VaeData FromCsv(string path, CsvSchema? schema = null, string? labelColumn = null)
    {
        var table = CsvTable.Read(path);
        schema ??= CsvSchema.Infer(table, labelColumn);
        var (rows, labels) = schema.Encode(table, labelColumn);
        return Create(rows, schema.FeatureNames, labels, schema, path);
    }

    /// <summary>
    /// An IDX image file (<c>*-idx3-ubyte</c>, optionally gzip-compressed), pixels scaled to [0, 1]; optionally its
    /// IDX label file, and a class to keep (needs the labels).
    /// </summary>
    /// <exception cref="InvalidDataException">A malformed file, or labels that do not match the images.</exception>
    public static VaeData FromIdx(string imagesPath, string? labelsPath = null, int? keepClass = null)
    {
        if (keepClass is not null && labelsPath is null) throw new ArgumentException("a class filter needs a label file");
        var images = IdxFile.ReadImages(imagesPath, out int height, out int width);
        int[]? labels = null;
        if (labelsPath is not null)
        {
            labels = IdxFile.ReadLabels(labelsPath).Select(b => (int)b).ToArray();
            if (labels.Length != images.Length)
                throw new InvalidDataException($"{labelsPath}: {labels.Length} labels for the {images.Length} images of {imagesPath}");
        }
        if (keepClass is int keep)
        {
            var picked = Enumerable.Range(0, images.Length).Where(i => labels![i] == keep).ToArray();
            if (picked.Length == 0) throw new InvalidDataException($"{labelsPath}: no image has class {keep}");
            images = picked.Select(i => images[i]).ToArray();
            labels = picked.Select(i => labels![i]).ToArray();
        }
        var names = Enumerable.Range(0, height * width).Select(i => $"pixel_{i / width}_{i % width}").ToArray();
        return Create(images, names, labels, null, imagesPath);
    }

    /// <summary>The rows at <paramref name="indices"/>, with their labels, as new data of the same schema.</summary>
    public VaeData Subset(IEnumerable<int> indices)
    {
        var picked = indices.ToArray();
        return new VaeData(picked.Select(i => Rows[i]).ToArray(), (string[])FeatureNames, Labels is null ? null : picked.Select(i => Labels[i]).ToArray(), Schema, Source);
    }

    private static VaeData Create(float[][] rows, IReadOnlyList<string>? names, IReadOnlyList<int>? labels, CsvSchema? schema, string source)
    {
        if (rows.Length == 0) throw new ArgumentException($"{source}: no data rows");
        int d = rows[0].Length;
        if (d == 0) throw new ArgumentException($"{source}: rows have no columns");
        for (int r = 0; r < rows.Length; r++)
        {
            if (rows[r].Length != d) throw new ArgumentException($"{source}: row {r} has {rows[r].Length} values, expected {d}");
            for (int c = 0; c < d; c++)
                if (!float.IsFinite(rows[r][c])) throw new ArgumentException($"{source}: row {r}, column {c}: expected a finite number, found {rows[r][c]}");
        }
        var featureNames = names?.ToArray() ?? Enumerable.Range(0, d).Select(c => $"f{c}").ToArray();
        if (featureNames.Length != d) throw new ArgumentException($"{featureNames.Length} feature names for {d} columns");
        if (labels is not null && labels.Count != rows.Length) throw new ArgumentException($"{labels.Count} labels for {rows.Length} rows");
        return new VaeData(rows, featureNames, labels?.ToArray(), schema, source);
    }
}
