using System.Globalization;

namespace MlNetVae.Pipeline;

/// <summary>How one CSV column becomes features.</summary>
public enum CsvColumnKind
{
    /// <summary>A number, one feature.</summary>
    Numeric,
    /// <summary>A string, one-hot encoded: one feature per category learned at fit.</summary>
    Categorical,
    /// <summary>An integer class label, not a feature (for reports and evaluation).</summary>
    Label,
}

/// <summary>One CSV column of a schema.</summary>
/// <param name="Name">The header name.</param>
/// <param name="Kind">How it becomes features.</param>
/// <param name="Categories">The categories of a categorical column in one-hot slot order (ordinal sort); empty otherwise.</param>
public sealed record CsvColumn(string Name, CsvColumnKind Kind, string[] Categories);

/// <summary>
/// The columns of a CSV file as a model sees them, learned when fitting and stored with the model so scoring reads
/// files the same way: numeric columns, string columns one-hot encoded over the categories seen at fit, and an
/// optional label column. Immutable.
/// </summary>
public sealed class CsvSchema
{
    /// <summary>Creates a schema from its columns (used by model loading).</summary>
    public CsvSchema(IReadOnlyList<CsvColumn> columns)
        : this(columns, [])
    {
    }

    private CsvSchema(IReadOnlyList<CsvColumn> columns, IReadOnlyList<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count(c => c.Kind == CsvColumnKind.Label) > 1) throw new ArgumentException("a CSV schema has at most one label column");
        if (columns.Any(c => c.Kind == CsvColumnKind.Categorical && c.Categories.Length < 2))
            throw new ArgumentException("a categorical column needs at least 2 categories");
        Warnings = warnings;
        Columns = columns.ToArray();
        var names = new List<string>();
        var groups = new List<(int, int)>();
        foreach (var column in Columns)
        {
            if (column.Kind == CsvColumnKind.Numeric) names.Add(column.Name);
            if (column.Kind != CsvColumnKind.Categorical) continue;
            groups.Add((names.Count, column.Categories.Length));
            names.AddRange(column.Categories.Select(c => $"{column.Name}={c}"));
        }
        FeatureNames = names.ToArray();
        CategoricalGroups = groups.ToArray();
    }

    /// <summary>Every column of the file, in file order.</summary>
    public IReadOnlyList<CsvColumn> Columns { get; }

    /// <summary>The feature names, in feature order: numeric columns by name, one-hot slots as <c>column=category</c>.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The one-hot groups as (first feature, slot count): what <c>VaeOptions.CategoricalGroups</c> needs.</summary>
    public IReadOnlyList<(int Start, int Length)> CategoricalGroups { get; }

    /// <summary>
    /// What inferring this schema from a file noticed without refusing it, one line each naming the file and column
    /// (a column that looks like a label but will be a feature); for the caller to show. Empty for a schema loaded
    /// from a model.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>True when both schemas read files the same way (same columns, kinds and categories, in order).</summary>
    public bool SameAs(CsvSchema other) =>
        Columns.Count == other.Columns.Count && Columns.Zip(other.Columns).All(p =>
            p.First.Name == p.Second.Name && p.First.Kind == p.Second.Kind && p.First.Categories.SequenceEqual(p.Second.Categories));

    /// <summary>
    /// Learns a schema from a file's text. A column is numeric when at least half of its cells are numbers, counting
    /// numbers written in another locale's format (<see cref="CsvNumber.IsOtherFormat"/>); otherwise it is categorical.
    /// So a stray word in a numeric column, and a column of <c>"0,94"</c> cells, are reported cell by cell when the
    /// file is encoded, instead of becoming categories. A categorical column may have at most
    /// <see cref="CategoryLimit"/> categories. Without <paramref name="labelColumn"/>, columns that look like labels
    /// are named in <see cref="Warnings"/>.
    /// </summary>
    internal static CsvSchema Infer(CsvTable table, string? labelColumn)
    {
        if (labelColumn is not null && !table.Header.Contains(labelColumn))
            throw new InvalidDataException($"{table.Path}: no label column '{labelColumn}' in the header ({string.Join(",", table.Header)})");
        var columns = new CsvColumn[table.Header.Length];
        var profiles = new ColumnProfile[columns.Length];
        for (int c = 0; c < columns.Length; c++)
        {
            string name = table.Header[c];
            if (name == labelColumn) { columns[c] = new CsvColumn(name, CsvColumnKind.Label, []); continue; }
            var profile = profiles[c] = ColumnProfile.Of(table, c);
            if (2 * (profile.Numbers + profile.OtherFormat) >= table.Rows.Count) { columns[c] = new CsvColumn(name, CsvColumnKind.Numeric, []); continue; }
            var categories = table.Rows.Select(row => row[c].Trim()).Distinct().Order(StringComparer.Ordinal).ToArray();
            if (categories.Length < 2)
                throw new InvalidDataException($"{table.Path}: column '{name}' holds the single value '{categories[0]}' and carries no information; remove it");
            int limit = CategoryLimit(table.Rows.Count);
            if (categories.Length > limit)
                throw new InvalidDataException($"{table.Path}: column '{name}' has {categories.Length} distinct values, too many to one-hot encode (limit {limit} for {table.Rows.Count} rows); drop the column, or make it numeric (e.g. a timestamp as seconds)");
            columns[c] = new CsvColumn(name, CsvColumnKind.Categorical, categories);
        }
        if (columns.All(c => c.Kind == CsvColumnKind.Label)) throw new InvalidDataException($"{table.Path}: no feature columns besides the label");
        return new CsvSchema(columns, labelColumn is null ? LabelWarnings(table, columns, profiles) : []);
    }

    /// <summary>
    /// The most categories one column may one-hot encode into: half the rows, but at least 50 and at most 1,000.
    /// More is an identifier or a timestamp read as text: each category would be a feature seen about once, and
    /// scoring would meet unseen ones.
    /// </summary>
    internal static int CategoryLimit(int rows) => Math.Clamp(rows / 2, 50, 1000);

    /// <summary>Names that mark a label column (compared ignoring case).</summary>
    private static readonly HashSet<string> LabelNames =
        new(["label", "class", "target", "y", "anomaly", "is_anomaly", "outlier", "is_outlier"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Columns that look like a label kept as a feature: one named like a label, or, in a file of at least 20 rows,
    /// the only integer column with 2 to 10 distinct values when every other numeric column holds non-integers.
    /// </summary>
    private static List<string> LabelWarnings(CsvTable table, CsvColumn[] columns, ColumnProfile[] profiles)
    {
        var warnings = new List<string>();
        var numeric = Enumerable.Range(0, columns.Length).Where(c => columns[c].Kind == CsvColumnKind.Numeric).ToArray();
        var small = numeric.Where(c => profiles[c].AllIntegers && profiles[c].Distinct is >= 2 and <= 10).ToArray();
        int byValues = table.Rows.Count >= 20 && small.Length == 1 && numeric.Length > 1 && numeric.All(c => c == small[0] || !profiles[c].AllIntegers) ? small[0] : -1;
        for (int c = 0; c < columns.Length; c++)
        {
            string name = columns[c].Name;
            string? why = LabelNames.Contains(name) ? "by its name" : c == byValues ? $"integers with {profiles[c].Distinct} distinct values among continuous columns" : null;
            if (why is null) continue;
            string integers = columns[c].Kind == CsvColumnKind.Numeric && profiles[c].AllIntegers ? "" : " (after mapping its values to integers 0, 1, ...)";
            warnings.Add($"{table.Path}: column '{name}' looks like a label ({why}) but is used as a feature; if it is a label, pass --label-column {name}{integers}");
        }
        return warnings;
    }

    /// <summary>
    /// The file's rows as features, and labels when the schema has a label column or the file has
    /// <paramref name="labelColumn"/> (a column the schema lacks, e.g. ground truth next to rows to score).
    /// A label column of the schema may be missing from the file. Names file, line and column of the first bad cell.
    /// </summary>
    internal (float[][] Rows, int[]? Labels) Encode(CsvTable table, string? labelColumn = null)
    {
        var columns = Columns.ToList();
        var label = columns.FirstOrDefault(c => c.Kind == CsvColumnKind.Label);
        if (label is not null && !table.Header.Contains(label.Name)) columns.Remove(label);
        if (labelColumn is not null && label is null)
        {
            int at = Array.IndexOf(table.Header, labelColumn);
            if (at < 0) throw new InvalidDataException($"{table.Path}: no label column '{labelColumn}' in the header ({string.Join(",", table.Header)})");
            columns.Insert(Math.Min(at, columns.Count), new CsvColumn(labelColumn, CsvColumnKind.Label, []));
        }
        var expected = columns.Select(c => c.Name).ToArray();
        if (!expected.SequenceEqual(table.Header))
            throw new InvalidDataException($"{table.Path}: line 1: expected the {expected.Length} columns {string.Join(",", expected)}, found the {table.Header.Length} columns {string.Join(",", table.Header)}");
        var slots = columns.Select(c => c.Categories.Select((category, i) => (category, i)).ToDictionary(p => p.category, p => p.i, StringComparer.Ordinal)).ToArray();
        bool hasLabels = columns.Any(c => c.Kind == CsvColumnKind.Label);
        var rows = new float[table.Rows.Count][];
        var labels = hasLabels ? new int[rows.Length] : null;
        for (int r = 0; r < rows.Length; r++)
        {
            var cells = table.Rows[r];
            var row = rows[r] = new float[FeatureNames.Count];
            int f = 0;
            for (int c = 0; c < cells.Length; c++)
            {
                string where = $"{table.Path}: line {table.Lines[r]}, column '{columns[c].Name}'";
                string cell = cells[c].Trim();
                switch (columns[c].Kind)
                {
                    case CsvColumnKind.Numeric:
                        if (!CsvNumber.TryParse(cell, out double value))
                            throw new InvalidDataException(CsvNumber.IsOtherFormat(cell)
                                ? $"{where}: found '{cell}', a number in another format; expected {CsvNumber.Expected}"
                                : $"{where}: expected a number, found '{cell}'");
                        if (!double.IsFinite(value) || !float.IsFinite((float)value)) throw new InvalidDataException($"{where}: expected a finite number, found '{cell}'");
                        row[f++] = (float)value;
                        break;
                    case CsvColumnKind.Categorical:
                        if (!slots[c].TryGetValue(cell, out int slot))
                            throw new InvalidDataException($"{where}: category '{cell}' was not seen when the model was fitted (known: {string.Join(", ", columns[c].Categories)})");
                        row[f + slot] = 1f;
                        f += columns[c].Categories.Length;
                        break;
                    default:
                        if (!int.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out labels![r]))
                            throw new InvalidDataException($"{where}: expected an integer label, found '{cell}'");
                        break;
                }
            }
        }
        return (rows, labels);
    }
}
