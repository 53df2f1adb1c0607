using MlNetVae;
using MlNetVae.ML;

namespace Microsoft.ML;

/// <summary>
/// Where ML.NET users find the VAE (in <c>namespace Microsoft.ML</c>, as ML.NET's own catalog extensions are, so
/// <c>using Microsoft.ML;</c> alone finds it): an anomaly detector beside <c>RandomizedPca</c> on
/// <c>mlContext.AnomalyDetection.Trainers</c>, an embedding / reconstruction transform on <c>mlContext.Transforms</c>,
/// re-thresholding on <c>mlContext.AnomalyDetection</c>, and the fitted transformer back from a loaded model on
/// <c>mlContext.Model</c>. Each estimator has one simple overload and one taking <see cref="VaeOptions"/>.
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
        return new VaeEstimator(CatalogEnvironment.Of(catalog), defaults with
        {
            FeatureColumnName = featureColumnName,
            LatentSize = latentSize,
            Epochs = epochs ?? defaults.Epochs,
            Contamination = contamination ?? defaults.Contamination,
        });
    }

    /// <summary>A variational autoencoder as an anomaly detector, every setting in <paramref name="options"/>.</summary>
    public static VaeEstimator VariationalAutoencoder(this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog, VaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new VaeEstimator(CatalogEnvironment.Of(catalog), options);
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
        return new VaeEstimator(CatalogEnvironment.Of(catalog), new VaeOptions
        {
            FeatureColumnName = inputColumnName, LatentMeanColumnName = outputColumnName, LatentSize = latentSize,
            OutputColumns = reconstructionColumnName is null ? VaeColumns.LatentMean : VaeColumns.LatentMean | VaeColumns.Reconstruction,
            ReconstructionColumnName = reconstructionColumnName ?? new VaeOptions().ReconstructionColumnName,
        });
    }

    /// <summary>A variational autoencoder as a transform, every setting in <paramref name="options"/> (set <see cref="VaeOptions.OutputColumns"/> to
    /// pick the columns).</summary>
    public static VaeEstimator VariationalAutoencoder(this TransformsCatalog catalog, VaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new VaeEstimator(CatalogEnvironment.Of(catalog), options);
    }

    /// <summary>
    /// The model <c>mlContext.Model.Load</c> returned, with each VAE step back as the fitted <see cref="VaeTransformer"/>
    /// it was saved as: the same columns, errors, speed (the managed engine in batches) and public properties (threshold,
    /// score, options, training history) as before it was saved. ML.NET lets no outside component load its own saved
    /// state, so its loader rebuilds the step from the ML.NET transformers it was saved as (ONNX Runtime on the scorer
    /// graph, row by row); this one call turns that back into the transformer. Other steps are kept as they are.
    /// </summary>
    /// <param name="catalog">The model operations.</param>
    /// <param name="model">A model as <c>mlContext.Model.Load</c> returned it (or any transformer: one with no saved VAE step is returned unchanged).</param>
    public static ITransformer RestoreVariationalAutoencoder(this ModelOperationsCatalog catalog, ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        return SavedForm.Restore(model, CatalogEnvironment.Of(catalog));
    }

    /// <summary>
    /// <paramref name="model"/> (a fitted, loaded or restored pipeline, or the VAE step itself) with the VAE's threshold set
    /// to <paramref name="threshold"/>: rows scoring above it are flagged in PredictedLabel. The counterpart of ML.NET's
    /// own ChangeModelThreshold for its anomaly detectors.
    /// </summary>
    /// <exception cref="ArgumentException">The model holds no VAE step, or the threshold is not a finite number.</exception>
    public static ITransformer ChangeModelThreshold(this AnomalyDetectionCatalog catalog, ITransformer model, float threshold)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        if (!float.IsFinite(threshold)) throw new ArgumentException($"the threshold must be a finite number, got {threshold}", nameof(threshold));
        var restored = SavedForm.Restore(model, CatalogEnvironment.Of(catalog));
        bool found = false;
        var changed = SavedForm.Replace(restored, t =>
        {
            found = true;
            return t.WithThreshold(new AnomalyThreshold(threshold, ThresholdMethod.Manual, 0));
        });
        return found ? changed : throw new ArgumentException("the model holds no VariationalAutoencoder step", nameof(model));
    }
}
