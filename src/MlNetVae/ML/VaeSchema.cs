using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Graph;
using MlNetVae.Spec;

namespace MlNetVae.ML;

/// <summary>One output column of a transformer: which output, its name, and its ML.NET type for this model.</summary>
/// <param name="Output">Its descriptor.</param>
/// <param name="Name">Its name in the schema.</param>
/// <param name="Type">Single, Boolean, or a known-size Single vector.</param>
internal sealed record OutputColumn(VaeOutput Output, string Name, DataViewType Type);

/// <summary>
/// The transformer's schema contract: what the input column must be, and the columns it adds (appended after the
/// input's, hiding input columns of the same name, as every ML.NET transform does).
/// </summary>
internal static class VaeSchema
{
    /// <summary>The output columns <paramref name="options"/> asks for, for a model of <paramref name="spec"/>.</summary>
    public static OutputColumn[] Outputs(VaeOptions options, VaeSpec spec) =>
        VaeOutput.Columns(options).Select(o => new OutputColumn(o, o.ColumnName(options), TypeOf(o, o.Width(spec)))).ToArray();

    /// <summary>An output's ML.NET type: vectors are [1, W], the type ML.NET's OnnxTransformer gives the [batch, W] outputs of the saved scorer.</summary>
    private static DataViewType TypeOf(VaeOutput output, int width) => output.Kind switch
    {
        OutputKind.Single => NumberDataViewType.Single,
        OutputKind.Flag => BooleanDataViewType.Instance,
        _ => new VectorDataViewType(NumberDataViewType.Single, 1, width),
    };

    /// <summary>
    /// The feature column of <paramref name="schema"/>: a known-size Single vector of <paramref name="features"/> slots
    /// (any size when null). Anything else is an <see cref="ArgumentOutOfRangeException"/> naming the column, its type and what is expected.
    /// </summary>
    public static DataViewSchema.Column FeatureColumn(DataViewSchema schema, string name, int? features)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"the input has no column '{name}' (columns: {string.Join(", ",
                schema.Where(c => !c.IsHidden).Select(c => c.Name))}); the VAE reads a known-size vector of Single, e.g. from Concatenate");
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType n, IsKnownSize: true } vector || n != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema), $"column '{name}' has type {column.Type}; the VAE needs a known-size vector of " +
                $"Single (Vector<Single, D>), e.g. from mlContext.Transforms.Concatenate");
        if (features is int d && vector.Size != d)
            throw new ArgumentOutOfRangeException(nameof(schema), $"column '{name}' has {vector.Size} slots; the model was trained on {d}");
        var reserved = schema.FirstOrDefault(c => !c.IsHidden && c.Name.StartsWith(SavedForm.Prefix, StringComparison.Ordinal));
        if (reserved.Name is not null)
            throw new ArgumentOutOfRangeException(nameof(schema), $"column '{reserved.Name}': names starting with '{SavedForm.Prefix}' are reserved " +
                $"for the VAE step's saved form; rename the column");
        return column;
    }

    /// <summary>The same check on a <see cref="SchemaShape"/> (sizes are unknown there, so only the kind and item type).</summary>
    public static void CheckFeatureShape(SchemaShape shape, string name)
    {
        var found = shape.Where(c => c.Name == name).ToArray();
        if (found.Length == 0)
            throw new ArgumentOutOfRangeException(nameof(shape), $"the input has no column '{name}'; the VAE reads a known-size vector of Single, e.g. " +
                $"from Concatenate");
        var column = found[^1];
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(shape), $"column '{name}' is {column.Kind} of {column.ItemType}; the VAE needs a known-size " +
                $"vector of Single, e.g. from mlContext.Transforms.Concatenate");
    }

    /// <summary>
    /// The input schema with the output columns appended. No annotations: a reloaded model's columns (from ML.NET's
    /// OnnxTransformer) carry none, and the fitted and reloaded schemas must be the same.
    /// </summary>
    public static DataViewSchema Output(DataViewSchema input, OutputColumn[] outputs)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        foreach (var c in outputs) builder.AddColumn(c.Name, c.Type);
        return builder.ToSchema();
    }

    /// <summary>The input shape with the output columns appended (replacing input columns of the same names).</summary>
    public static SchemaShape Output(SchemaShape input, VaeOptions options)
    {
        var ml = new MLContext();
        var added = VaeOutput.Columns(options).Select(o => Describe(ml, o.ColumnName(options), o.Kind)).ToArray();
        return new SchemaShape(input.Where(c => !added.Any(a => a.Name == c.Name)).Concat(added));
    }

    /// <summary>
    /// A shape column of <paramref name="kind"/> named <paramref name="name"/>. ML.NET has no public constructor for one,
    /// so an estimator that adds a column of that kind (a CustomMapping, never fitted) describes it.
    /// </summary>
    private static SchemaShape.Column Describe(MLContext ml, string name, OutputKind kind)
    {
        var (row, field) = kind switch
        {
            OutputKind.Single => (typeof(SingleRow), nameof(SingleRow.Value)),
            OutputKind.Flag => (typeof(FlagRow), nameof(FlagRow.Value)),
            _ => (typeof(VectorRow), nameof(VectorRow.Value)),
        };
        var definition = SchemaDefinition.Create(row);
        definition[field].ColumnName = name;
        SchemaShape shape = kind switch
        {
            OutputKind.Single => ml.Transforms.CustomMapping<NoColumns, SingleRow>((_, _) => { }, null, null, definition).GetOutputSchema(new SchemaShape([])),
            OutputKind.Flag => ml.Transforms.CustomMapping<NoColumns, FlagRow>((_, _) => { }, null, null, definition).GetOutputSchema(new SchemaShape([])),
            _ => ml.Transforms.CustomMapping<NoColumns, VectorRow>((_, _) => { }, null, null, definition).GetOutputSchema(new SchemaShape([])),
        };
        return shape.Single(c => c.Name == name);
    }

    private sealed class NoColumns;

    private sealed class SingleRow
    {
        public float Value { get; set; }
    }

    private sealed class FlagRow
    {
        public bool Value { get; set; }
    }

    private sealed class VectorRow
    {
        [VectorType(2)] public float[] Value { get; set; } = [];
    }
}
