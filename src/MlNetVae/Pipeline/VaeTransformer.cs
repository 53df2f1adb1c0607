using MlNetVae.Vae;

namespace MlNetVae.Pipeline;

/// <summary>
/// A fitted VAE applied to data: latents, reconstructions, anomaly scores and flags. Immutable and safe to use
/// from many threads at once (every call builds its own buffers; the weights are only read).
/// </summary>
public sealed class VaeTransformer
{
    /// <summary>Wraps a trained model with what the pipeline knows about its data.</summary>
    /// <param name="model">The trained model.</param>
    /// <param name="featureNames">One name per feature.</param>
    /// <param name="schema">The CSV schema the model was fitted on, or null.</param>
    /// <param name="threshold">The anomaly threshold, or null.</param>
    /// <param name="training">What training did (history, timing), or null when unknown.</param>
    public VaeTransformer(VaeModel model, IReadOnlyList<string> featureNames, CsvSchema? schema, AnomalyThreshold? threshold, TrainingResult? training)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(featureNames);
        if (featureNames.Count != model.Features) throw new ArgumentException($"{featureNames.Count} feature names for a model of {model.Features} features");
        if (schema is not null && schema.FeatureNames.Count != model.Features)
            throw new ArgumentException($"the CSV schema has {schema.FeatureNames.Count} features, the model {model.Features}");
        // Parameters move into their flat buffer on first use; doing it here means concurrent callers never race on it.
        _ = model.Parameters.Values.Length;
        Model = model;
        FeatureNames = featureNames.ToArray();
        Schema = schema;
        Threshold = threshold;
        Training = training;
    }

    /// <summary>The trained model.</summary>
    public VaeModel Model { get; }

    /// <summary>One name per feature.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The CSV schema the model was fitted on (so scoring reads files the same way), or null.</summary>
    public CsvSchema? Schema { get; }

    /// <summary>The anomaly threshold, or null (then <see cref="VaeRow.IsAnomaly"/> is null).</summary>
    public AnomalyThreshold? Threshold { get; }

    /// <summary>What training did, or null when unknown.</summary>
    public TrainingResult? Training { get; }

    /// <summary>The name of the default anomaly score this transformer computes.</summary>
    public static string ScoreName => DefaultScore.Name;

    /// <summary>Every output for every row, in input order.</summary>
    public IReadOnlyList<VaeRow> Transform(VaeData data)
    {
        var rows = Checked(data);
        var (mean, logVar) = Model.Encode(rows);
        var reconstruction = Model.Decode(mean);
        var score = DefaultScore.Compute(Model, rows);
        return Enumerable.Range(0, rows.Count)
            .Select(i => new VaeRow(mean[i], logVar[i], reconstruction[i], score[i], Threshold?.IsAnomaly(score[i])))
            .ToArray();
    }

    /// <summary>The posterior means, [rows][K].</summary>
    public float[][] Encode(VaeData data) => Model.Encode(Checked(data)).Mean;

    /// <summary>Each row decoded from its posterior mean, in raw units, [rows][D].</summary>
    public float[][] Reconstruct(VaeData data) => Model.Reconstruct(Checked(data));

    /// <summary>The default anomaly score of each row (higher = more unusual).</summary>
    public double[] Score(VaeData data) => DefaultScore.Compute(Model, Checked(data));

    /// <summary>The negative ELBO and its parts, optionally sampled and with the IWAE bound.</summary>
    public RowScores ScoreDetails(VaeData data, ScoreOptions? options = null) => Model.Score(Checked(data), options);

    /// <summary><paramref name="count"/> new rows decoded from z ~ N(0, I), in raw units.</summary>
    public float[][] Sample(int count, int seed = 1) => Model.Generate(count, seed);

    /// <summary>Reads a CSV file with this model's schema (an unseen category is an error, not a zero row).</summary>
    public VaeData ReadCsv(string path, string? labelColumn = null) => VaeData.FromCsv(path, Schema ?? throw new InvalidOperationException("the model was not fitted on a CSV file"), labelColumn);

    /// <summary>A copy with another threshold (null removes it).</summary>
    public VaeTransformer WithThreshold(AnomalyThreshold? threshold) => new(Model, FeatureNames, Schema, threshold, Training);

    /// <summary>A copy whose threshold flags about <paramref name="falsePositiveRate"/> of the given held-out normal rows.</summary>
    public VaeTransformer CalibrateFalsePositiveRate(VaeData normalRows, double falsePositiveRate) =>
        WithThreshold(AnomalyThreshold.FromFalsePositiveRate(Score(normalRows), falsePositiveRate));

    /// <summary>Writes the model to one <c>.vae</c> file, atomically (see <see cref="ModelFile"/>).</summary>
    public void Save(string path) => ModelFile.Save(this, path);

    /// <summary>Reads a <c>.vae</c> file written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">A foreign, corrupted, truncated or newer-format file.</exception>
    public static VaeTransformer Load(string path) => ModelFile.Load(path);

    private IReadOnlyList<float[]> Checked(VaeData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Features != Model.Features)
            throw new ArgumentException($"{data.Source}: {data.Features} features per row, the model expects {Model.Features}");
        if (data.Schema is not null && Schema is not null && !data.Schema.SameAs(Schema))
            throw new ArgumentException($"{data.Source}: read with another CSV schema than the model's; read it with ReadCsv");
        return data.Rows;
    }
}
