using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MlNetVae.ML;

// The CustomMapping factories a reloaded model finds by contract name in this assembly (ML.NET loads the assembly by the
// full name the model recorded, so no registration call is needed). Contract names carry a version: a change of
// meaning gets a new name, and the old factory stays so that saved models keep loading. ML.NET saves a mapping's
// contract name but not its column names, so each factory reads and writes fixed vae_ columns and the saved chain
// copies the right columns in and out around it.

/// <summary>A [1] graph output and the features it was computed from.</summary>
internal sealed class SingleVector
{
    /// <summary>The value.</summary>
    [ColumnName(SingleFromVector.Input), VectorType(1)] public float[] Value = [];

    /// <summary>The features the scorer read.</summary>
    [ColumnName(SavedForm.Features), VectorType] public float[] Features = [];
}

/// <summary>A Single column.</summary>
internal sealed class SingleValue
{
    /// <summary>The value.</summary>
    [ColumnName(SingleFromVector.Output)] public float Value;
}

/// <summary>
/// Turns a float [1] graph output into a Single column (every single-valued output of a reloaded model), refusing a row
/// whose features hold NaN or infinity as the fitted transformer does: the scorer graph clamps its inputs, so an
/// infinite feature would otherwise get an ordinary score, and NaN a NaN score that no threshold flags.
/// </summary>
[CustomMappingFactoryAttribute(Contract)]
internal sealed class SingleFromVector : CustomMappingFactory<SingleVector, SingleValue>
{
    /// <summary>The contract name saved models refer to.</summary>
    public const string Contract = "MlNetVae.SingleFromVector.v1";

    /// <summary>The columns it reads and writes.</summary>
    public const string Input = SavedForm.Prefix + "single_in", Output = SavedForm.Prefix + "single_out";

    /// <inheritdoc/>
    public override Action<SingleVector, SingleValue> GetMapping() => (i, o) => o.Value = FiniteRow.Check(i.Features, i.Value[0]);
}

/// <summary>A bool [1] graph output and the features it was computed from.</summary>
internal sealed class FlagVector
{
    /// <summary>The value.</summary>
    [ColumnName(FlagFromVector.Input), VectorType(1)] public bool[] Value = [];

    /// <summary>The features the scorer read.</summary>
    [ColumnName(SavedForm.Features), VectorType] public float[] Features = [];
}

/// <summary>A Boolean column.</summary>
internal sealed class FlagValue
{
    /// <summary>The value.</summary>
    [ColumnName(FlagFromVector.Output)] public bool Value;
}

/// <summary>Turns a bool [1] graph output into a Boolean column (the predicted label of a reloaded model), refusing non-finite features.</summary>
[CustomMappingFactoryAttribute(Contract)]
internal sealed class FlagFromVector : CustomMappingFactory<FlagVector, FlagValue>
{
    /// <summary>The contract name saved models refer to.</summary>
    public const string Contract = "MlNetVae.FlagFromVector.v1";

    /// <summary>The columns it reads and writes.</summary>
    public const string Input = SavedForm.Prefix + "flag_in", Output = SavedForm.Prefix + "flag_out";

    /// <inheritdoc/>
    public override Action<FlagVector, FlagValue> GetMapping() => (i, o) => o.Value = FiniteRow.Check(i.Features, i.Value[0]);
}

/// <summary>The check a reloaded chain makes on the features behind each single-valued output.</summary>
internal static class FiniteRow
{
    /// <summary><paramref name="value"/>, or an <see cref="InvalidDataException"/> naming the first slot of <paramref name="features"/> that is not
    /// finite.</summary>
    public static T Check<T>(float[] features, T value)
    {
        int bad = features.AsSpan().IndexOfAnyExceptInRange(float.MinValue, float.MaxValue);
        if (bad >= 0) throw new InvalidDataException($"the VAE's feature column, slot {bad}: expected a finite number, found " +
            $"{features[bad].ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return value;
    }
}

// The mappings of models saved before the generic ones above, each bound to one output: kept so those files load.

/// <summary>The score [1] as a Single.</summary>
internal sealed class ScoreVector
{
    /// <summary>The scorer's 1-element score output.</summary>
    [ColumnName(SavedForm.Prefix + OnnxNames.Score), VectorType(1)] public float[] Value = [];
}

/// <summary>A Single output.</summary>
internal sealed class ScoreScalar
{
    /// <summary>The score.</summary>
    [ColumnName(ScoreToScalar.Output)] public float Value;
}

/// <summary>Maps the saved scorer's score [1] to a Single column (used by reloaded models).</summary>
[CustomMappingFactoryAttribute(Contract)]
internal sealed class ScoreToScalar : CustomMappingFactory<ScoreVector, ScoreScalar>
{
    /// <summary>The contract name saved models refer to.</summary>
    public const string Contract = "MlNetVae.ScoreToScalar.v1";

    /// <summary>The column it writes.</summary>
    public const string Output = SavedForm.Prefix + "score_value";

    /// <inheritdoc/>
    public override Action<ScoreVector, ScoreScalar> GetMapping() => (i, o) => o.Value = i.Value[0];
}

/// <summary>The negative ELBO [1].</summary>
internal sealed class NegElboVector
{
    /// <summary>The scorer's 1-element neg_elbo output.</summary>
    [ColumnName(SavedForm.Prefix + OnnxNames.NegElbo), VectorType(1)] public float[] Value = [];
}

/// <summary>A Single output.</summary>
internal sealed class NegElboScalar
{
    /// <summary>The negative ELBO.</summary>
    [ColumnName(NegElboToScalar.Output)] public float Value;
}

/// <summary>Maps the saved scorer's neg_elbo [1] to a Single column (used by reloaded models).</summary>
[CustomMappingFactoryAttribute(Contract)]
internal sealed class NegElboToScalar : CustomMappingFactory<NegElboVector, NegElboScalar>
{
    /// <summary>The contract name saved models refer to.</summary>
    public const string Contract = "MlNetVae.NegElboToScalar.v1";

    /// <summary>The column it writes.</summary>
    public const string Output = SavedForm.Prefix + "neg_elbo_value";

    /// <inheritdoc/>
    public override Action<NegElboVector, NegElboScalar> GetMapping() => (i, o) => o.Value = i.Value[0];
}

/// <summary>The predicted label [1].</summary>
internal sealed class PredictedLabelVector
{
    /// <summary>The scorer's 1-element predicted_label output.</summary>
    [ColumnName(SavedForm.Prefix + OnnxNames.PredictedLabel), VectorType(1)] public bool[] Value = [];
}

/// <summary>A Boolean output.</summary>
internal sealed class PredictedLabelScalar
{
    /// <summary>Score above the threshold.</summary>
    [ColumnName(PredictedLabelToScalar.Output)] public bool Value;
}

/// <summary>Maps the saved scorer's predicted_label [1] to a Boolean column (used by reloaded models).</summary>
[CustomMappingFactoryAttribute(Contract)]
internal sealed class PredictedLabelToScalar : CustomMappingFactory<PredictedLabelVector, PredictedLabelScalar>
{
    /// <summary>The contract name saved models refer to.</summary>
    public const string Contract = "MlNetVae.PredictedLabelToScalar.v1";

    /// <summary>The column it writes.</summary>
    public const string Output = SavedForm.Prefix + "predicted_label_value";

    /// <inheritdoc/>
    public override Action<PredictedLabelVector, PredictedLabelScalar> GetMapping() => (i, o) => o.Value = i.Value[0];
}
