using System.Globalization;
using System.Text.Json;

namespace MlNetVae.Cli.Data;

/// <summary>How one CSV column becomes features.</summary>
public enum CsvColumnKind
{
    /// <summary>A number, one feature.</summary>
    Numeric,
    /// <summary>A string, one-hot encoded: one feature per category learned at fit.</summary>
    Categorical,
    /// <summary>A class label, not a feature (for reports and evaluation): integers, or names numbered in order.</summary>
    Label,
}

/// <summary>One CSV column of a schema.</summary>
/// <param name="Name">The header name.</param>
/// <param name="Kind">How it becomes features.</param>
/// <param name="Categories">A categorical column's categories in one-hot slot order, or a label column's class names
/// (label i is Categories[i]; empty when the labels are integers); ordinal sort.</param>
public sealed record CsvColumn(string Name, CsvColumnKind Kind, string[] Categories);

/// <summary>
/// The columns of a CSV file as a model sees them, learned when fitting and stored with the model so scoring reads
/// files the same way: numeric columns, string columns one-hot encoded over the categories seen at fit, and an
/// optional label column. Immutable.
/// </summary>
public sealed class CsvSchema
{
    /// <summary>Creates a schema from its columns (used by model loading).</summary>
    public CsvSchema(IReadOnlyList<CsvColumn> columns) : this(columns, [], 0) { }

    private CsvSchema(IReadOnlyList<CsvColumn> columns, IReadOnlyList<string> warnings, long rows)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count(c => c.Kind == CsvColumnKind.Label) > 1) throw new ArgumentException("a CSV schema has at most one label column");
        if (columns.Any(c => c.Kind == CsvColumnKind.Categorical && c.Categories.Length < 2))
            throw new ArgumentException("a categorical column needs at least 2 categories");
        if (columns.All(c => c.Kind == CsvColumnKind.Label)) throw new ArgumentException("a CSV schema needs at least one feature column");
        Warnings = warnings;
        Rows = rows;
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

    /// <summary>The label column, or null.</summary>
    public CsvColumn? Label => Columns.FirstOrDefault(c => c.Kind == CsvColumnKind.Label);

    /// <summary>
    /// What inferring this schema from a file noticed without refusing it, one line each naming the file and column
    /// (a column that looks like a label but will be a feature); for the caller to show. Empty for a loaded schema.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The data rows of the file the schema was inferred from (0 for a loaded schema).</summary>
    public long Rows { get; }

    /// <summary>The schema as JSON (what the model file keeps).</summary>
    public string ToJson() => JsonSerializer.Serialize(Columns, Json);

    /// <summary>A schema back from <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">Not a schema.</exception>
    public static CsvSchema FromJson(string json)
    {
        try
        {
            return new CsvSchema(JsonSerializer.Deserialize<CsvColumn[]>(json, Json) ?? throw new InvalidDataException("the CSV schema is empty"));
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"the model's CSV schema is not readable: {e.Message.Split('\n')[0]}");
        }
    }

    private static readonly JsonSerializerOptions Json = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    /// <summary>
    /// Learns a schema from a file. A first pass counts numbers per column: a column is numeric when at least half of its
    /// cells are numbers, counting numbers written in another locale's format (<see cref="CsvNumber.IsOtherFormat"/>);
    /// otherwise it is categorical. So a stray word in a numeric column, and a column of <c>"0,94"</c> cells, are
    /// reported cell by cell when the file is encoded, instead of becoming categories. A second pass, only when some
    /// column is categorical, collects those columns' categories: at most <see cref="CategoryLimit"/> per column and
    /// <see cref="InputLimits.MaxFeatures"/> features in all, refused as soon as the count passes them. Without
    /// <paramref name="labelColumn"/>, columns that look like labels are named in <see cref="Warnings"/>.
    /// </summary>
    internal static CsvSchema Infer(string path, string? labelColumn)
    {
        string[] header;
        ColumnProfiler[] profiles;
        CategorySet? labels = null;
        long rows = 0;
        using (var records = CsvRecords.Open(path))
        {
            header = records.Header;
            int label = labelColumn is null ? -1 : Array.IndexOf(header, labelColumn);
            if (labelColumn is not null && label < 0)
                throw new InvalidDataException($"{path}: no label column {Excerpt.Quoted(labelColumn)} in the header ({Excerpt.Names(header)})");
            profiles = header.Select(_ => new ColumnProfiler()).ToArray();
            if (label >= 0) labels = new CategorySet();
            while (records.Read())
            {
                rows++;
                for (int c = 0; c < profiles.Length; c++) profiles[c].Add(records.Cells[c]);
                labels?.Add(records.Cells[label], () => $"{path}: line {records.Line}, column {Excerpt.Quoted(labelColumn!)}");
            }
        }
        if (rows == 0) throw new InvalidDataException($"{path}: no data rows after the header");
        var numeric = profiles.Select((p, c) => header[c] != labelColumn && 2 * (p.Numbers + p.OtherFormat) >= rows).ToArray();
        var categories = CollectCategories(path, header, numeric, labelColumn, rows);
        var columns = new CsvColumn[header.Length];
        for (int c = 0; c < columns.Length; c++)
        {
            string name = header[c];
            if (name == labelColumn)
                columns[c] = new CsvColumn(name, CsvColumnKind.Label, profiles[c].AllIntegers ? [] : Categories(path, name, labels!, rows, label: true));
            else if (numeric[c]) columns[c] = new CsvColumn(name, CsvColumnKind.Numeric, []);
            else columns[c] = new CsvColumn(name, CsvColumnKind.Categorical, Categories(path, name, categories[c]!, rows, label: false));
        }
        if (columns.All(c => c.Kind == CsvColumnKind.Label)) throw new InvalidDataException($"{path}: no feature columns besides the label");
        return new CsvSchema(columns, labelColumn is null ? LabelWarnings(path, rows, columns, profiles) : [], rows);
    }

    /// <summary>
    /// The distinct cells of each categorical column (null for the others), read in a second pass over the file. The
    /// features they will give are counted as they arrive: past <see cref="InputLimits.MaxFeatures"/> the file is
    /// refused, naming the column with the most categories so far.
    /// </summary>
    private static CategorySet?[] CollectCategories(string path, string[] header, bool[] numeric, string? labelColumn, long rows)
    {
        var sets = header.Select((name, c) => numeric[c] || name == labelColumn ? null : new CategorySet()).ToArray();
        if (sets.All(s => s is null)) return sets;
        long features = numeric.Count(n => n), limit = InputLimits.MaxFeatures;
        // Each categorical column gives at least two features (one is refused as carrying no information).
        InputLimits.CheckFeatures(path, features + 2L * sets.Count(s => s is not null), string.Create(CultureInfo.InvariantCulture,
            $"{features:N0} numeric and {sets.Count(s => s is not null):N0} text columns (two categories each at the least) make at least"));
        using var records = CsvRecords.Open(path);
        while (records.Read())
            for (int c = 0; c < sets.Length; c++)
            {
                if (sets[c] is not { } set || !set.Add(records.Cells[c], () => $"{path}: line {records.Line}, column " +
                    $"{Excerpt.Quoted(header[c])}") || ++features <= limit) continue;
                int widest = Array.FindIndex(sets, s => s is not null && s.Distinct.Count == sets.Max(t => t?.Distinct.Count ?? 0));
                InputLimits.CheckFeatures(path, features, string.Create(CultureInfo.InvariantCulture, $"the numeric columns and the categories seen by " +
                    $"line {records.Line} (column {Excerpt.Quoted(header[widest])} alone has {sets[widest]!.Distinct.Count:N0}) make"));
            }
        return sets;
    }

    /// <summary>
    /// The most categories one column may one-hot encode into: half the rows, but at least 50 and at most 1,000.
    /// More is an identifier or a timestamp read as text: each category would be a feature seen about once, and
    /// scoring would meet unseen ones.
    /// </summary>
    internal static int CategoryLimit(long rows) => (int)Math.Clamp(rows / 2, 50, 1000);

    private static string[] Categories(string path, string name, CategorySet set, long rows, bool label)
    {
        int limit = CategoryLimit(rows);
        if (set.Overflowed || set.Distinct.Count > limit)
        {
            string count = set.Overflowed ? $"more than {CategorySet.MaxDistinct - 1}" : set.Distinct.Count.ToString(CultureInfo.InvariantCulture);
            throw new InvalidDataException(label
                ? $"{path}: label column {Excerpt.Quoted(name)} has {count} distinct values, too many classes (limit {limit} for {rows} rows)"
                : $"{path}: column {Excerpt.Quoted(name)} has {count} distinct values, too many to one-hot encode (limit {limit} for {rows} rows); " +
                    $"drop the column, or make it numeric (e.g. a timestamp as seconds)");
        }
        var categories = set.Distinct.Order(StringComparer.Ordinal).ToArray();
        if (!label && categories.Length < 2)
            throw new InvalidDataException($"{path}: column {Excerpt.Quoted(name)} holds the single value {Excerpt.Quoted(categories[0])} and carries " +
                $"no information; remove it");
        return categories;
    }

    /// <summary>Names that mark a label column (compared ignoring case).</summary>
    private static readonly HashSet<string> LabelNames =
        new(["label", "class", "target", "y", "anomaly", "is_anomaly", "outlier", "is_outlier"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Columns that look like a label kept as a feature: one named like a label, or, in a file of at least 20 rows,
    /// the only integer column with 2 to 10 distinct values when every other numeric column holds non-integers.
    /// </summary>
    private static List<string> LabelWarnings(string path, long rows, CsvColumn[] columns, ColumnProfiler[] profiles)
    {
        var warnings = new List<string>();
        var numeric = Enumerable.Range(0, columns.Length).Where(c => columns[c].Kind == CsvColumnKind.Numeric).ToArray();
        var small = numeric.Where(c => profiles[c].AllIntegers && profiles[c].DistinctNumbers is >= 2 and <= 10).ToArray();
        int byValues = rows >= 20 && small.Length == 1 && numeric.Length > 1 && numeric.All(c => c == small[0] || !profiles[c].AllIntegers) ? small[0] : -1;
        for (int c = 0; c < columns.Length; c++)
        {
            string name = columns[c].Name;
            string? why = LabelNames.Contains(name) ? "by its name" : c == byValues ? $"integers with {profiles[c].DistinctNumbers} distinct values " +
                $"among continuous columns" : null;
            if (why is null) continue;
            warnings.Add($"{path}: column {Excerpt.Quoted(name)} looks like a label ({why}) but is used as a feature; if it is a label, pass " +
                $"--label-column {(name.Length <= Excerpt.MaxChars ? name : "with its name")}");
        }
        return warnings;
    }

    /// <summary>
    /// An encoder for a file with header <paramref name="header"/>: the schema's columns in order, where the schema's
    /// label column may be missing and <paramref name="extraLabel"/> (a column the schema lacks, e.g. ground truth next
    /// to rows to score) may be present. A file with other columns is an error saying which, and suggesting
    /// --label-column when one extra column is all the difference.
    /// </summary>
    internal CsvRowEncoder Bind(string path, string[] header, string? extraLabel)
    {
        var columns = Columns.ToList();
        var label = Label;
        if (label is not null && !header.Contains(label.Name)) columns.Remove(label);
        if (extraLabel is not null && extraLabel != label?.Name)
        {
            if (label is not null) throw new InvalidDataException($"{path}: the model's label column is {Excerpt.Quoted(label.Name)}, not " +
                $"{Excerpt.Quoted(extraLabel)}");
            int at = Array.IndexOf(header, extraLabel);
            if (at < 0) throw new InvalidDataException($"{path}: no label column {Excerpt.Quoted(extraLabel)} in the header ({Excerpt.Names(header)})");
            columns.Insert(Math.Min(at, columns.Count), new CsvColumn(extraLabel, CsvColumnKind.Label, []));
        }
        var expected = columns.Select(c => c.Name).ToArray();
        if (!expected.SequenceEqual(header))
        {
            var extra = header.Except(expected).ToArray();
            string hint = extra.Length == 1 && header.Length == expected.Length + 1 && expected.All(header.Contains)
                ? $"; if {Excerpt.Quoted(extra[0])} is a label, pass --label-column {(extra[0].Length <= Excerpt.MaxChars ? extra[0] : "with its name")}"
                : "";
            throw new InvalidDataException($"{path}: line 1: expected the {expected.Length} columns {Excerpt.Names(expected)}, found the " +
                $"{header.Length} columns {Excerpt.Names(header)}{hint}");
        }
        return new CsvRowEncoder(path, columns.ToArray(), FeatureNames.Count);
    }
}

/// <summary>Encodes the records of one file with a bound schema: features into a caller's span, the label as a number.</summary>
internal sealed class CsvRowEncoder
{
    private readonly string _path;
    private readonly CsvColumn[] _columns;
    private readonly Dictionary<string, int>[] _slots;

    public CsvRowEncoder(string path, CsvColumn[] columns, int features)
    {
        _path = path;
        _columns = columns;
        Features = features;
        _slots = columns.Select(c => c.Categories.Select((category, i) => (category, i)).ToDictionary(p => p.category, p => p.i,
            StringComparer.Ordinal)).ToArray();
        LabelColumn = columns.FirstOrDefault(c => c.Kind == CsvColumnKind.Label);
    }

    /// <summary>Features per row.</summary>
    public int Features { get; }

    /// <summary>The file's label column, or null.</summary>
    public CsvColumn? LabelColumn { get; }

    /// <summary>Encodes one record; names file, line and column of a bad cell. The label is NaN without a label column.</summary>
    public float Encode(string[] cells, int line, Span<float> features)
    {
        features.Clear();
        float label = float.NaN;
        int f = 0;
        for (int c = 0; c < cells.Length; c++)
        {
            string cell = cells[c];
            switch (_columns[c].Kind)
            {
                case CsvColumnKind.Numeric:
                    if (!CsvNumber.TryParse(cell, out double value))
                        throw new InvalidDataException(CsvNumber.IsOtherFormat(cell)
                            ? $"{Where(line, c)}: found {Excerpt.Quoted(cell)}, a number in another format; expected {CsvNumber.Expected}"
                            : $"{Where(line, c)}: expected a number, found {Excerpt.Quoted(cell)}");
                    if (!double.IsFinite(value) || !float.IsFinite((float)value)) throw new InvalidDataException($"{Where(line,
                        c)}: expected a finite number, found {Excerpt.Quoted(cell)}");
                    features[f++] = (float)value;
                    break;
                case CsvColumnKind.Categorical:
                    if (!_slots[c].TryGetValue(cell, out int slot))
                        throw new InvalidDataException($"{Where(line, c)}: category {Excerpt.Quoted(cell)} was not seen when the model was fitted " +
                            $"(known: {Excerpt.Names(_columns[c].Categories)})");
                    features[f + slot] = 1f;
                    f += _columns[c].Categories.Length;
                    break;
                default:
                    if (_columns[c].Categories.Length > 0)
                        label = _slots[c].TryGetValue(cell, out int index) ? index
                            : throw new InvalidDataException($"{Where(line, c)}: label {Excerpt.Quoted(cell)} was not among the labels when the model " +
                                $"was fitted (known: {Excerpt.Names(_columns[c].Categories)})");
                    else if (int.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out int integer)) label = integer;
                    else throw new InvalidDataException($"{Where(line, c)}: expected an integer label, found {Excerpt.Quoted(cell)}");
                    break;
            }
        }
        return label;
    }

    private string Where(int line, int column) => $"{_path}: line {line}, column {Excerpt.Quoted(_columns[column].Name)}";
}
