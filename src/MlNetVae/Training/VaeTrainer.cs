using MlNetVae.Spec;

namespace MlNetVae.Training;

/// <summary>
/// Fits a VAE on rows in memory: learns the feature layout and standardization, resolves the spec, initializes the
/// weights (PyTorch's default init, seeded) and trains them with the backend the options choose.
/// </summary>
internal static class VaeTrainer
{
    /// <summary>Trains on <paramref name="rows"/>: a flat [rows, <paramref name="features"/>] buffer of finite raw values.</summary>
    /// <exception cref="ArgumentException">Invalid options, or values the likelihood cannot take (the message names row and feature).</exception>
    /// <exception cref="TrainingDivergedException">The loss became non-finite or exploded (the message names the epoch and a learning rate to try).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static (VaeModelParameters Model, TrainingResult Result) Train(ReadOnlySpan<float> rows, int features, VaeOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var statistics = FeatureStatistics.Fit(rows, features, options);
        var spec = VaeSpec.Resolve(options, statistics.Layout, rows.Length / features);
        var initial = spec.Initialize(statistics, spec.Options.Seed!.Value);
        return Train(spec, initial, rows, progress, cancellationToken);
    }

    /// <summary>Trains a given spec from given weights (e.g. another backend's, for parity checks) on raw rows.</summary>
    public static (VaeModelParameters Model, TrainingResult Result) Train(VaeSpec spec, StateDict initial, ReadOnlySpan<float> rows,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(initial);
        if (rows.Length == 0 || rows.Length % spec.Features != 0)
            throw new ArgumentException($"{rows.Length} values are not whole rows of {spec.Features} features");
        RowCheck.Rows(rows, spec.Features); // a NaN would surface as "diverged, lower the learning rate"
        var factory = BackendResolver.Resolve(spec.Options);
        using var backend = factory.Create(spec, initial, spec.Options);
        var result = TrainingLoop.Run(backend, spec, rows, rows.Length / spec.Features, progress, cancellationToken);
        return (new VaeModelParameters(spec, backend.State()), result with { Backend = factory.Name });
    }
}
