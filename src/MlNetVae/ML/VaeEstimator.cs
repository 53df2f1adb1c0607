using Microsoft.ML;
using MlNetVae.Scores;
using MlNetVae.Spec;
using MlNetVae.Training;

namespace MlNetVae.ML;

/// <summary>
/// Fits a VAE to a known-size Single vector column, as an ML.NET estimator: append it to a pipeline, <c>Fit</c>, and
/// get a <see cref="VaeTransformer"/> that adds the score, the anomaly flag, the latent mean, the reconstruction and
/// the negative ELBO. Reach it through <c>mlContext.AnomalyDetection.Trainers.VariationalAutoencoder</c> or
/// <c>mlContext.Transforms.VariationalAutoencoder</c>.
/// </summary>
public sealed class VaeEstimator : IEstimator<VaeTransformer>
{
    /// <summary>An estimator with these options (validated now: an invalid one fails here, before any data is read).</summary>
    public VaeEstimator(VaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    /// <summary>The options.</summary>
    public VaeOptions Options { get; }

    /// <summary>Reads the feature column once into memory, trains, and calibrates the threshold.</summary>
    public VaeTransformer Fit(IDataView input) => Fit(input, null, CancellationToken.None);

    /// <summary>
    /// <see cref="Fit(IDataView)"/> with progress (epoch 0 while the rows are read, then one report per 20 steps and per
    /// epoch) and cancellation between steps.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or not a known-size Single vector.</exception>
    /// <exception cref="InvalidDataException">A row holds NaN or infinity (the message names column, row and slot).</exception>
    /// <exception cref="TrainingDivergedException">Training diverged (the message names the epoch and a learning rate to try).</exception>
    public VaeTransformer Fit(IDataView input, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = VaeSchema.FeatureColumn(input.Schema, Options.FeatureColumnName, null);
        var (rows, _) = FeatureReader.ReadAll(input, column, progress, cancellationToken);
        var (model, result) = VaeTrainer.Train(rows, ((Microsoft.ML.Data.VectorDataViewType)column.Type).Size, Options, progress, cancellationToken);
        var score = model.Spec.Score;
        if (ScoreFormulas.NeedsStatistics(score)) model = model.WithScoreStatistics(ScoreStatistics.Fit(model, rows));
        var scorer = new AnomalyScorer(model, Options.Threads);
        var threshold = Options.FalsePositiveRate is double rate
            ? AnomalyThreshold.FromFalsePositiveRate(scorer.Score(CalibrationRows(rows, model.Features, result), score), rate)
            : AnomalyThreshold.FromContamination(scorer.Score(rows, score), Options.Contamination);
        return new VaeTransformer(model, model.Spec.Options, threshold, result, null);
    }

    /// <summary>The input's shape plus the output columns; a missing or mistyped feature column fails here, before training.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        VaeSchema.CheckFeatureShape(inputSchema, Options.FeatureColumnName);
        return VaeSchema.Output(inputSchema, Options);
    }

    /// <summary>The held-out validation rows when training kept some, else every training row.</summary>
    private static float[] CalibrationRows(float[] rows, int d, TrainingResult result)
    {
        if (result.ValidationRows is not { Count: > 0 } held) return rows;
        var picked = new float[held.Count * d];
        for (int i = 0; i < held.Count; i++) rows.AsSpan(held[i] * d, d).CopyTo(picked.AsSpan(i * d, d));
        return picked;
    }
}
