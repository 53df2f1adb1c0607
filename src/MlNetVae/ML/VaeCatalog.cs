using Microsoft.ML;
using MlNetVae.Spec;

namespace MlNetVae.ML;

/// <summary>
/// Where ML.NET users find the VAE: an anomaly detector beside <c>RandomizedPca</c> on
/// <c>mlContext.AnomalyDetection.Trainers</c>, and an embedding / reconstruction transform on <c>mlContext.Transforms</c>.
/// Each has one simple overload and one taking <see cref="VaeOptions"/>.
/// </summary>
public static class VaeCatalog
{
    /// <summary>
    /// A variational autoencoder as an anomaly detector: Score (Single, higher = more unusual), PredictedLabel (Boolean,
    /// the top <paramref name="contamination"/> of the training rows' scores flagged), plus LatentMean, Reconstruction
    /// and NegElbo, each computed only when read. Works directly with <c>mlContext.AnomalyDetection.Evaluate</c>.
    /// </summary>
    /// <param name="catalog">The anomaly detection trainers.</param>
    /// <param name="featureColumnName">A known-size vector of Single (e.g. from Concatenate, then a normalizer).</param>
    /// <param name="latentSize">Latent dimensions; null picks them from the feature count.</param>
    /// <param name="epochs">Passes over the training rows.</param>
    /// <param name="contamination">The expected fraction of anomalies among the training rows; sets the threshold.</param>
    public static VaeEstimator VariationalAutoencoder(this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog,
        string featureColumnName = "Features", int? latentSize = null, int? epochs = null, double? contamination = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var defaults = new VaeOptions();
        return new VaeEstimator(defaults with
        {
            FeatureColumnName = featureColumnName, LatentSize = latentSize, Epochs = epochs ?? defaults.Epochs,
            Contamination = contamination ?? defaults.Contamination,
        });
    }

    /// <summary>A variational autoencoder as an anomaly detector, every setting in <paramref name="options"/>.</summary>
    public static VaeEstimator VariationalAutoencoder(this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog, VaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new VaeEstimator(options);
    }

    /// <summary>
    /// A variational autoencoder as a transform: <paramref name="outputColumnName"/> holds each row's latent mean (its
    /// embedding, a vector of K); with <paramref name="reconstructionColumnName"/> also its reconstruction (raw units).
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The latent mean column.</param>
    /// <param name="inputColumnName">A known-size vector of Single.</param>
    /// <param name="latentSize">Latent dimensions; null picks them from the feature count.</param>
    /// <param name="reconstructionColumnName">Also add the reconstruction under this name; null for none.</param>
    public static VaeEstimator VariationalAutoencoder(this TransformsCatalog catalog, string outputColumnName = "LatentMean",
        string inputColumnName = "Features", int? latentSize = null, string? reconstructionColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new VaeEstimator(new VaeOptions
        {
            FeatureColumnName = inputColumnName, LatentMeanColumnName = outputColumnName, LatentSize = latentSize,
            OutputColumns = reconstructionColumnName is null ? VaeColumns.LatentMean : VaeColumns.LatentMean | VaeColumns.Reconstruction,
            ReconstructionColumnName = reconstructionColumnName ?? new VaeOptions().ReconstructionColumnName,
        });
    }

    /// <summary>A variational autoencoder as a transform, every setting in <paramref name="options"/> (set <see cref="VaeOptions.OutputColumns"/> to pick the columns).</summary>
    public static VaeEstimator VariationalAutoencoder(this TransformsCatalog catalog, VaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new VaeEstimator(options);
    }
}
