using MlNetVae.Vae;

namespace MlNetVae.Pipeline;

/// <summary>
/// Fits a VAE to data, ML.NET style: <c>new VaeEstimator(options).Fit(data)</c> gives a <see cref="VaeTransformer"/>.
/// The data's schema is checked before training; CSV one-hot groups become <see cref="VaeOptions.CategoricalGroups"/>.
/// </summary>
/// <param name="options">The model and training settings.</param>
public sealed class VaeEstimator(VaeOptions options)
{
    /// <summary>The model and training settings.</summary>
    public VaeOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>
    /// When set, the fitted transformer gets the threshold that flags this fraction of the training rows
    /// (the expected share of anomalies in them); null leaves it without a threshold.
    /// </summary>
    public double? Contamination { get; init; }

    /// <summary>Checks the schema, trains, and calibrates the threshold when <see cref="Contamination"/> is set.</summary>
    /// <exception cref="ArgumentException">Invalid options, or rows the model cannot use (the message names row and column).</exception>
    /// <exception cref="TrainingDivergedException">The loss became non-finite.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public VaeTransformer Fit(VaeData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var options = data.Schema is { } schema ? Options with { CategoricalGroups = schema.CategoricalGroups.ToArray() } : Options;
        options.Validate();
        if (Contamination is double c && !(c > 0 && c < 1))
            throw new ArgumentOutOfRangeException(nameof(Contamination), c, "the contamination must lie strictly between 0 and 1");
        var (model, result) = VaeTrainer.Train(data.Rows, options, progress, cancellationToken);
        var threshold = Contamination is double fraction
            ? AnomalyThreshold.FromContamination(DefaultScore.Compute(model, data.Rows), fraction)
            : null;
        return new VaeTransformer(model, data.FeatureNames, data.Schema, threshold, result);
    }
}
