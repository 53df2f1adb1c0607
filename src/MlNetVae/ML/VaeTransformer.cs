using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Runtime;
using MlNetVae.Engine;
using MlNetVae.Graph;
using MlNetVae.Inference;
using MlNetVae.ML;
using MlNetVae.Onnx;
using MlNetVae.Spec;
using MlNetVae.Training;

namespace MlNetVae;

/// <summary>
/// A fitted VAE as an ML.NET transformer: adds Score, PredictedLabel, LatentMean, Reconstruction and NegElbo columns
/// (as the options name and select them) to any data view with the feature column. Lazy and batched: nothing runs
/// until a cursor reads an output column, then the model runs once per batch. Immutable and thread-safe. Saved with
/// <c>mlContext.Model.Save</c> (see <see cref="ICanSaveModel.Save"/>), it reloads in any process; after
/// <c>mlContext.Model.Load</c>, <c>mlContext.Model.RestoreVariationalAutoencoder</c> gives this transformer back.
/// Dispose it (or the chain holding it) to release its ONNX Runtime session.
/// </summary>
public sealed class VaeTransformer : ITransformer, ICanSaveModel, IDisposable
{
    private readonly Lazy<InferenceSession> _session;
    private readonly IHost? _host;

    internal VaeTransformer(VaeModelParameters model, VaeOptions options, AnomalyThreshold threshold, TrainingResult? training,
        IReadOnlyDictionary<string, string>? metadata, IHostEnvironment? env)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(threshold);
        options.Validate();
        options = options with { Score = options.Score ?? model.Spec.Score };
        if (ScoreStatistics.Missing(model.Spec, model.SharedStatistics, options.Score!.Value) is { } missing) throw new ArgumentException(missing);
        Model = model;
        Options = options;
        Threshold = threshold;
        Training = training;
        Metadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        OutputColumns = VaeSchema.Outputs(options, model.Spec);
        _host = env?.Register(nameof(VaeTransformer));
        _session = new(() => OnnxRuntimeBatchScorer.CreateSession(ScorerOnnx(), Math.Max(0, options.Threads), options.GpuDeviceId, _host));
    }

    /// <summary>The trained model: its spec and state dict.</summary>
    public VaeModelParameters Model { get; }

    /// <summary>The options: columns, score, inference engine (and the training settings the model was fitted with).</summary>
    public VaeOptions Options { get; }

    /// <summary>The anomaly score of the Score column, fixed when the model was fitted (the threshold is on its scale).</summary>
    public AnomalyScore AnomalyScore => Options.Score!.Value;

    /// <summary>Rows whose score is above it are flagged in the PredictedLabel column.</summary>
    public AnomalyThreshold Threshold { get; }

    /// <summary>What training did (loss history, timing), or null when unknown.</summary>
    public TrainingResult? Training { get; }

    /// <summary>Extra key/value pairs saved with the model (the CLI keeps its CSV schema here).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Always true: the transformer maps each row on its own, so <c>PredictionEngine</c> works.</summary>
    public bool IsRowToRowMapper => true;

    internal OutputColumn[] OutputColumns { get; }

    internal IHostEnvironment? Environment => _host;

    /// <summary>The input schema with the output columns added; a missing or mistyped feature column is an <see cref="ArgumentOutOfRangeException"/>.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        VaeSchema.FeatureColumn(inputSchema, Options.FeatureColumnName, Model.Features);
        return VaeSchema.Output(inputSchema, OutputColumns);
    }

    /// <summary>The lazy transformed view (see the class remarks).</summary>
    /// <exception cref="NotSupportedException"><c>mlContext.Model.ConvertToOnnx</c> called it (see <see cref="OnnxConversion"/>).</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        OnnxConversion.Refuse();
        return new VaeDataView(this, input);
    }

    /// <summary>The row-to-row mapper <c>PredictionEngine</c> uses.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new VaeRowMapper(this, inputSchema);
    }

    /// <summary>The same model with another threshold.</summary>
    public VaeTransformer WithThreshold(AnomalyThreshold threshold) => new(Model, Options, threshold, Training, Metadata, _host);

    /// <summary>The same model with other options for what is not the model: column names, output columns, inference engine, threads.</summary>
    /// <exception cref="ArgumentException">The options change the model itself (its architecture, likelihood or score).</exception>
    public VaeTransformer WithOptions(Func<VaeOptions, VaeOptions> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var options = change(Options);
        if ((options.Score ?? AnomalyScore) != AnomalyScore) throw new ArgumentException("the score is fixed when the model is fitted (its threshold " +
            "is on that score's scale)");
        return new(Model, options, Threshold, Training, Metadata, _host);
    }

    /// <summary>The same model with <paramref name="metadata"/> saved alongside it (replacing earlier entries of the same keys).</summary>
    public VaeTransformer WithMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var merged = new Dictionary<string, string>(Metadata, StringComparer.Ordinal);
        foreach (var (key, value) in metadata) merged[key] = value;
        return new(Model, Options, Threshold, Training, merged, _host);
    }

    /// <summary>
    /// The same model with a threshold that flags about <paramref name="rate"/> of <paramref name="normalRows"/>' rows, held-out
    /// rows known to be normal (read from their feature column). The rows stream through a scoring pass (two when their
    /// scores do not fit in <see cref="VaeOptions.MemoryBudgetMegabytes"/>), so they may be more than memory holds.
    /// </summary>
    public VaeTransformer WithFalsePositiveRate(IDataView normalRows, double rate)
    {
        ArgumentNullException.ThrowIfNull(normalRows);
        AnomalyThreshold.CheckFraction(rate, "false-positive rate");
        var column = VaeSchema.FeatureColumn(normalRows.Schema, Options.FeatureColumnName, Model.Features);
        var rows = new DataViewBlocks(normalRows, column).Read(null, CancellationToken.None);
        float value = ScoringPasses.Threshold(new AnomalyScorer(Model, Options.Threads), AnomalyScore, rows, null, rate,
            (long)Options.MemoryBudgetMegabytes << 20, _ => { });
        return WithThreshold(new AnomalyThreshold(value, ThresholdMethod.FalsePositiveRate, rate));
    }

    /// <summary>
    /// Saves the transformer as a chain of ML.NET's own transformers around its scorer graph (<see cref="SavedForm"/>), which
    /// <c>mlContext.Model.Load</c> reloads in any process that references this package, with no registration call.
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => SavedForm.Save(this, ctx);

    /// <summary>
    /// The VAE step of <paramref name="model"/> (a fitted or restored pipeline, at any depth of chains), or null when it
    /// has none: where its threshold, score, options and training history are read.
    /// </summary>
    public static VaeTransformer? FindIn(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        VaeTransformer? found = null;
        SavedForm.Replace(model, t => found ??= t);
        return found;
    }

    /// <summary>Releases the ONNX Runtime session, if one was opened.</summary>
    public void Dispose()
    {
        if (_session.IsValueCreated) _session.Value.Dispose();
    }

    /// <summary>
    /// scorer.onnx for this transformer: its score, every output (the contributions only when it has their columns:
    /// ONNX Runtime computes every output of a graph on each run), the PredictedLabel threshold (float32, as the graph
    /// compares) and the metadata to rebuild it; inputs and outputs named with <paramref name="prefix"/>.
    /// </summary>
    internal byte[] ScorerOnnx(string prefix = "") => OnnxExport.Scorer(Model, new ScorerExportOptions(AnomalyScore, (float)Threshold.Value,
        SavedMetadata(), prefix, Contributions: (Options.OutputColumns & VaeColumns.Contributions) != 0));

    /// <summary>A scorer for one cursor: the managed engine or ONNX Runtime, as the options say.</summary>
    internal IBatchScorer CreateScorer() => Options.Inference == InferenceEngine.OnnxRuntime
        ? new OnnxRuntimeBatchScorer(_session.Value, Model)
        : new ManagedBatchScorer(Model, AnomalyScore, Compute.Shared(Options.Threads));

    /// <summary>
    /// Every computed value must be finite: model inputs are clamped so that finite rows give finite outputs; if one
    /// is not, the row is an error, never a NaN in a column or an outlier left unflagged.
    /// </summary>
    internal void CheckFinite(ScorerBuffers outputs, int rows, long firstRow)
    {
        foreach (var output in outputs.Computed)
        {
            var values = outputs.For(output);
            int width = values.Length / Math.Max(1, outputs.Rows);
            int bad = values.AsSpan(0, rows * width).IndexOfAnyExceptInRange(float.MinValue, float.MaxValue);
            if (bad >= 0)
                throw new InvalidDataException($"column '{Options.FeatureColumnName}', row {firstRow + bad / width}: the {output} is " +
                    $"{values[bad].ToString(System.Globalization.CultureInfo.InvariantCulture)}; the model cannot score this row");
        }
    }

    /// <summary>What the saved scorer carries besides the model, to rebuild this transformer from it.</summary>
    private Dictionary<string, string> SavedMetadata()
    {
        var m = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SavedKeys.Threshold] = JsonSerializer.Serialize(Threshold, SavedKeys.Json),
        };
        if (Training is not null) m[SavedKeys.Training] = JsonSerializer.Serialize(Training, SavedKeys.Json);
        foreach (var (key, value) in Metadata) m[SavedKeys.UserPrefix + key] = value;
        return m;
    }

    /// <summary>Rebuilds a transformer from a scorer.onnx it saved; its messages go to <paramref name="env"/>'s log when given.</summary>
    internal static VaeTransformer FromScorer(byte[] scorer, IHostEnvironment? env = null)
    {
        var imported = OnnxImport.Load(scorer);
        var m = imported.Metadata;
        try
        {
            var threshold = JsonSerializer.Deserialize<AnomalyThreshold>(m.TryGetValue(SavedKeys.Threshold,
                out var t) ? t : throw new InvalidDataException($"metadata '{SavedKeys.Threshold}' is missing"), SavedKeys.Json)
                ?? throw new InvalidDataException("the threshold is empty");
            if (!double.IsFinite(threshold.Value)) throw new InvalidDataException("the threshold is not a finite number");
            var training = m.TryGetValue(SavedKeys.Training, out var h) ? JsonSerializer.Deserialize<TrainingResult>(h, SavedKeys.Json) : null;
            var user = m.Where(e => e.Key.StartsWith(SavedKeys.UserPrefix,
                StringComparison.Ordinal)).ToDictionary(e => e.Key[SavedKeys.UserPrefix.Length..], e => e.Value);
            // The columns of the options that the saved graph has outputs for: a graph saved without the contributions, or
            // written before they existed (when VaeColumns.All named fewer columns), gives a transformer without them.
            var outputs = OnnxImport.OutputNames(scorer);
            var columns = VaeOutput.Scorer.Where(o => outputs.Contains(SavedForm.Prefix + o.OnnxName) || outputs.Contains(o.OnnxName))
                .Aggregate(VaeColumns.None, (all, o) => all | o.Column);
            var options = imported.Model.Spec.Options with { OutputColumns = imported.Model.Spec.Options.OutputColumns & columns };
            return new VaeTransformer(imported.Model, options, threshold, training, user, env);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the model's metadata is not readable: {e.Message.Split('\n')[0]}");
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"the model's metadata is inconsistent: {e.Message}");
        }
    }
}

/// <summary>The metadata keys a saved transformer adds to its scorer.onnx.</summary>
internal static class SavedKeys
{
    public const string Threshold = "mlnetvae.threshold", Training = "mlnetvae.training", UserPrefix = "mlnetvae.user.";

    public static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
