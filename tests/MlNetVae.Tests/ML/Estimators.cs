using Microsoft.ML;

namespace MlNetVae.Tests.ML;

/// <summary>The estimator as an app makes it, through the catalog; seeded 1 unless the options set a seed, so tests' numbers are fixed.</summary>
internal static class Estimators
{
    public static VaeEstimator For(VaeOptions options) =>
        new MLContext(1).AnomalyDetection.Trainers.VariationalAutoencoder(options with { Seed = options.Seed ?? 1 });
}
