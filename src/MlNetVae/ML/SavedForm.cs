using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MlNetVae.Onnx;
using MlNetVae.Spec;

namespace MlNetVae.ML;

/// <summary>
/// How a <see cref="VaeTransformer"/> is saved by <c>mlContext.Model.Save</c>. ML.NET lets no outside transformer write
/// its own state (ModelSaveContext's members are internal), so the transformer saves a chain of ML.NET's own saveable
/// transformers that computes the same columns, and that chain is what reloads, in any process, with no registration:
/// copy the feature column to <c>vae_features</c>; ONNX Runtime on the model's scorer graph (whose outputs are
/// <c>vae_</c>-prefixed; the graph carries the whole model and its threshold); CustomMappings from this assembly turning
/// the 1-element outputs into Single and Boolean columns; copies to the user's column names; and a drop of the <c>vae_</c>
/// columns. The reloaded chain runs ONNX Runtime row by row; its columns have the fitted transformer's names, types and
/// order, and values equal to float32 rounding (the fitted one computes them with the managed engine by default).
/// </summary>
internal static class SavedForm
{
    /// <summary>The prefix of every column the chain uses internally; user columns may not start with it.</summary>
    public const string Prefix = "vae_";

    private const string Features = Prefix + OnnxNames.Features;

    /// <summary>The chain for <paramref name="t"/>, fitted on a schema holding just its feature column. Dispose it after saving.</summary>
    public static ITransformer Build(VaeTransformer t)
    {
        var ml = new MLContext();
        var o = t.Options;
        var columns = t.OutputColumns.Select(c => c.Column).ToHashSet();
        var onnxOutputs = new List<string>();
        if (columns.Contains(VaeColumns.Score)) onnxOutputs.Add(Prefix + OnnxNames.Score);
        if (columns.Contains(VaeColumns.PredictedLabel)) onnxOutputs.Add(Prefix + OnnxNames.PredictedLabel);
        if (columns.Contains(VaeColumns.LatentMean)) onnxOutputs.Add(Prefix + OnnxNames.LatentMean);
        if (columns.Contains(VaeColumns.Reconstruction)) onnxOutputs.Add(Prefix + OnnxNames.Reconstruction);
        if (columns.Contains(VaeColumns.NegElbo)) onnxOutputs.Add(Prefix + OnnxNames.NegElbo);

        IEstimator<ITransformer> chain = ml.Transforms.CopyColumns(Features, o.FeatureColumnName)
            .Append(ml.Transforms.ApplyOnnxModel(onnxOutputs.ToArray(), [Features], new MemoryStream(t.ScorerOnnx(Prefix))));
        foreach (var c in t.OutputColumns)
        {
            chain = c.Column switch
            {
                VaeColumns.Score => chain.Append(ml.Transforms.CustomMapping(new ScoreToScalar().GetMapping(), ScoreToScalar.Contract)),
                VaeColumns.NegElbo => chain.Append(ml.Transforms.CustomMapping(new NegElboToScalar().GetMapping(), NegElboToScalar.Contract)),
                VaeColumns.PredictedLabel => chain.Append(ml.Transforms.CustomMapping(new PredictedLabelToScalar().GetMapping(), PredictedLabelToScalar.Contract)),
                _ => chain,
            };
        }
        foreach (var c in t.OutputColumns)
            chain = chain.Append(ml.Transforms.CopyColumns(c.Name, Source(c.Column)));
        var scalars = t.OutputColumns.Where(c => c.Column is VaeColumns.Score or VaeColumns.NegElbo or VaeColumns.PredictedLabel).Select(c => Source(c.Column));
        var dropped = new[] { Features }.Concat(scalars).Concat(onnxOutputs).ToArray();
        chain = chain.Append(ml.Transforms.DropColumns(dropped));

        var schema = new DataViewSchema.Builder();
        schema.AddColumn(o.FeatureColumnName, new VectorDataViewType(NumberDataViewType.Single, t.Model.Features));
        return chain.Fit(new EmptyDataView(schema.ToSchema()));
    }

    private static string Source(VaeColumns column) => column switch
    {
        VaeColumns.Score => ScoreToScalar.Output,
        VaeColumns.NegElbo => NegElboToScalar.Output,
        VaeColumns.PredictedLabel => PredictedLabelToScalar.Output,
        VaeColumns.LatentMean => Prefix + OnnxNames.LatentMean,
        _ => Prefix + OnnxNames.Reconstruction,
    };

    /// <summary>A data view with a schema and no rows: enough to fit the chain, which learns nothing from data.</summary>
    private sealed class EmptyDataView(DataViewSchema schema) : IDataView
    {
        public DataViewSchema Schema => schema;
        public bool CanShuffle => true;
        public long? GetRowCount() => 0;
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(schema);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(schema)];

        private sealed class Cursor(DataViewSchema schema) : DataViewRowCursor
        {
            public override DataViewSchema Schema => schema;
            public override long Position => -1;
            public override long Batch => 0;
            public override bool MoveNext() => false;
            public override bool IsColumnActive(DataViewSchema.Column column) => true;
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => throw new InvalidOperationException("the view has no rows");
            public override ValueGetter<DataViewRowId> GetIdGetter() => throw new InvalidOperationException("the view has no rows");
        }
    }
}

// The CustomMapping factories a reloaded model finds by contract name in this assembly (ML.NET loads the assembly by the
// full name the model recorded, so no registration call is needed). Contract names carry a version: a change of
// meaning gets a new name, and the old factory stays so that saved models keep loading.

/// <summary>The score [1] as a Single.</summary>
public sealed class ScoreVector
{
    /// <summary>The scorer's 1-element score output.</summary>
    [ColumnName(SavedForm.Prefix + OnnxNames.Score), VectorType(1)] public float[] Value = [];
}

/// <summary>A Single output.</summary>
public sealed class ScoreScalar
{
    /// <summary>The score.</summary>
    [ColumnName(ScoreToScalar.Output)] public float Value;
}

/// <summary>Maps the saved scorer's score [1] to a Single column (used by reloaded models).</summary>
[CustomMappingFactoryAttribute(Contract)]
public sealed class ScoreToScalar : CustomMappingFactory<ScoreVector, ScoreScalar>
{
    /// <summary>The contract name saved models refer to.</summary>
    public const string Contract = "MlNetVae.ScoreToScalar.v1";

    /// <summary>The column it writes.</summary>
    public const string Output = SavedForm.Prefix + "score_value";

    /// <inheritdoc/>
    public override Action<ScoreVector, ScoreScalar> GetMapping() => (i, o) => o.Value = i.Value[0];
}

/// <summary>The negative ELBO [1].</summary>
public sealed class NegElboVector
{
    /// <summary>The scorer's 1-element neg_elbo output.</summary>
    [ColumnName(SavedForm.Prefix + OnnxNames.NegElbo), VectorType(1)] public float[] Value = [];
}

/// <summary>A Single output.</summary>
public sealed class NegElboScalar
{
    /// <summary>The negative ELBO.</summary>
    [ColumnName(NegElboToScalar.Output)] public float Value;
}

/// <summary>Maps the saved scorer's neg_elbo [1] to a Single column (used by reloaded models).</summary>
[CustomMappingFactoryAttribute(Contract)]
public sealed class NegElboToScalar : CustomMappingFactory<NegElboVector, NegElboScalar>
{
    /// <summary>The contract name saved models refer to.</summary>
    public const string Contract = "MlNetVae.NegElboToScalar.v1";

    /// <summary>The column it writes.</summary>
    public const string Output = SavedForm.Prefix + "neg_elbo_value";

    /// <inheritdoc/>
    public override Action<NegElboVector, NegElboScalar> GetMapping() => (i, o) => o.Value = i.Value[0];
}

/// <summary>The predicted label [1].</summary>
public sealed class PredictedLabelVector
{
    /// <summary>The scorer's 1-element predicted_label output.</summary>
    [ColumnName(SavedForm.Prefix + OnnxNames.PredictedLabel), VectorType(1)] public bool[] Value = [];
}

/// <summary>A Boolean output.</summary>
public sealed class PredictedLabelScalar
{
    /// <summary>Score above the threshold.</summary>
    [ColumnName(PredictedLabelToScalar.Output)] public bool Value;
}

/// <summary>Maps the saved scorer's predicted_label [1] to a Boolean column (used by reloaded models).</summary>
[CustomMappingFactoryAttribute(Contract)]
public sealed class PredictedLabelToScalar : CustomMappingFactory<PredictedLabelVector, PredictedLabelScalar>
{
    /// <summary>The contract name saved models refer to.</summary>
    public const string Contract = "MlNetVae.PredictedLabelToScalar.v1";

    /// <summary>The column it writes.</summary>
    public const string Output = SavedForm.Prefix + "predicted_label_value";

    /// <inheritdoc/>
    public override Action<PredictedLabelVector, PredictedLabelScalar> GetMapping() => (i, o) => o.Value = i.Value[0];
}
