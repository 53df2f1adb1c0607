using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Scores;
using MlNetVae.Spec;

namespace MlNetVae.ML;

/// <summary>One output column: which one, its name and its type.</summary>
/// <param name="Column">Which column.</param>
/// <param name="Name">Its name in the schema.</param>
/// <param name="Type">Single, Boolean, or a known-size Single vector.</param>
/// <param name="Output">The scorer output that computes it (PredictedLabel reads the score).</param>
internal sealed record OutputColumn(VaeColumns Column, string Name, DataViewType Type, ScorerOutputs Output);

/// <summary>
/// The transformer's schema contract: what the input column must be, and the columns it adds (appended after the
/// input's, hiding input columns of the same name, as every ML.NET transform does).
/// </summary>
internal static class VaeSchema
{
    /// <summary>The output columns <paramref name="options"/> asks for, for a model of D features and K latent dimensions.</summary>
    public static OutputColumn[] Outputs(VaeOptions options, int features, int latent)
    {
        var all = new[]
        {
            new OutputColumn(VaeColumns.Score, options.ScoreColumnName, NumberDataViewType.Single, ScorerOutputs.Score),
            new OutputColumn(VaeColumns.PredictedLabel, options.PredictedLabelColumnName, BooleanDataViewType.Instance, ScorerOutputs.Score),
            // [1, K] and [1, D]: the types ML.NET's OnnxTransformer gives the [batch, K] outputs of the saved scorer, so a
            // reloaded pipeline has exactly the schema of the fitted one.
            new OutputColumn(VaeColumns.LatentMean, options.LatentMeanColumnName, new VectorDataViewType(NumberDataViewType.Single, 1, latent), ScorerOutputs.LatentMean),
            new OutputColumn(VaeColumns.Reconstruction, options.ReconstructionColumnName, new VectorDataViewType(NumberDataViewType.Single, 1, features), ScorerOutputs.Reconstruction),
            new OutputColumn(VaeColumns.NegElbo, options.NegElboColumnName, NumberDataViewType.Single, ScorerOutputs.NegElbo),
        };
        return all.Where(c => options.OutputColumns.HasFlag(c.Column)).ToArray();
    }

    /// <summary>
    /// The feature column of <paramref name="schema"/>: a known-size Single vector of <paramref name="features"/> slots
    /// (any size when null). Anything else is an <see cref="ArgumentOutOfRangeException"/> naming the column, its type and what is expected.
    /// </summary>
    public static DataViewSchema.Column FeatureColumn(DataViewSchema schema, string name, int? features)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"the input has no column '{name}' (columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}); the VAE reads a known-size vector of Single, e.g. from Concatenate");
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType n, IsKnownSize: true } vector || n != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema), $"column '{name}' has type {column.Type}; the VAE needs a known-size vector of Single (Vector<Single, D>), e.g. from mlContext.Transforms.Concatenate");
        if (features is int d && vector.Size != d)
            throw new ArgumentOutOfRangeException(nameof(schema), $"column '{name}' has {vector.Size} slots; the model was trained on {d}");
        var reserved = schema.FirstOrDefault(c => !c.IsHidden && c.Name.StartsWith(SavedForm.Prefix, StringComparison.Ordinal));
        if (reserved.Name is not null)
            throw new ArgumentOutOfRangeException(nameof(schema), $"column '{reserved.Name}': names starting with '{SavedForm.Prefix}' are reserved for the VAE step's saved form; rename the column");
        return column;
    }

    /// <summary>The same check on a <see cref="SchemaShape"/> (sizes are unknown there, so only the kind and item type).</summary>
    public static void CheckFeatureShape(SchemaShape shape, string name)
    {
        var found = shape.Where(c => c.Name == name).ToArray();
        if (found.Length == 0)
            throw new ArgumentOutOfRangeException(nameof(shape), $"the input has no column '{name}'; the VAE reads a known-size vector of Single, e.g. from Concatenate");
        var column = found[^1];
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(shape), $"column '{name}' is {column.Kind} of {column.ItemType}; the VAE needs a known-size vector of Single, e.g. from mlContext.Transforms.Concatenate");
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

    /// <summary>The input shape with the output columns appended (ML.NET offers no public constructor for a shape column, so a CustomMapping estimator describes them).</summary>
    public static SchemaShape Output(SchemaShape input, VaeOptions options)
    {
        var definition = SchemaDefinition.Create(typeof(ShapeRow));
        definition[nameof(ShapeRow.Score)].ColumnName = options.ScoreColumnName;
        definition[nameof(ShapeRow.PredictedLabel)].ColumnName = options.PredictedLabelColumnName;
        definition[nameof(ShapeRow.LatentMean)].ColumnName = options.LatentMeanColumnName;
        definition[nameof(ShapeRow.Reconstruction)].ColumnName = options.ReconstructionColumnName;
        definition[nameof(ShapeRow.NegElbo)].ColumnName = options.NegElboColumnName;
        var described = new MLContext().Transforms.CustomMapping<NoColumns, ShapeRow>((_, _) => { }, null, null, definition)
            .GetOutputSchema(new SchemaShape([]));
        var wanted = Outputs(options, 2, 2).Select(c => c.Name).ToHashSet();
        var added = described.Where(c => wanted.Contains(c.Name)).ToArray();
        return new SchemaShape(input.Where(c => !wanted.Contains(c.Name)).Concat(added));
    }

    /// <summary>No input columns.</summary>
    private sealed class NoColumns;

    /// <summary>One of each output type, for <see cref="Output(SchemaShape, VaeOptions)"/>.</summary>
    private sealed class ShapeRow
    {
        public float Score { get; set; }
        public bool PredictedLabel { get; set; }
        [VectorType(2)] public float[] LatentMean { get; set; } = [];
        [VectorType(2)] public float[] Reconstruction { get; set; } = [];
        public float NegElbo { get; set; }
    }
}
