using MlNetVae.Spec;

namespace MlNetVae.Training;

/// <summary>
/// Fits a VAE: learns the feature layout and standardization, resolves the spec, initializes the weights (PyTorch's
/// default init, seeded) and trains them with the backend the options choose, on rows in memory or on rows read from
/// their source once per epoch.
/// </summary>
internal static class VaeTrainer
{
    /// <summary>Trains on <paramref name="rows"/>: a flat [rows, <paramref name="features"/>] buffer of finite raw values.</summary>
    /// <exception cref="ArgumentException">Invalid options, or values the likelihood cannot take (the message names row and feature).</exception>
    /// <exception cref="TrainingDivergedException">The loss became non-finite or exploded (the message names the epoch and a learning rate to try).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static (VaeModelParameters Model, TrainingResult Result) Train(ReadOnlyMemory<float> rows, int features, VaeOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var statistics = FeatureStatistics.Fit(rows.Span, features, options);
        var spec = VaeSpec.Resolve(options, statistics.Layout, rows.Length / features);
        var initial = spec.Initialize(statistics, spec.Options.Seed!.Value);
        return Train(spec, initial, rows, progress, cancellationToken);
    }

    /// <summary>Trains a given spec from given weights (e.g. another backend's, for parity checks) on raw rows.</summary>
    public static (VaeModelParameters Model, TrainingResult Result) Train(VaeSpec spec, StateDict initial, ReadOnlyMemory<float> rows,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(initial);
        if (rows.Length == 0 || rows.Length % spec.Features != 0)
            throw new ArgumentException($"{rows.Length} values are not whole rows of {spec.Features} features");
        RowCheck.Rows(rows.Span, spec.Features); // a NaN would surface as "diverged, lower the learning rate"
        using var data = new RowsInMemory(rows, rows.Length / spec.Features, spec.Features, spec.Options.ValidationFraction);
        var (model, result) = Train(spec, initial, data, progress, cancellationToken);
        return (model, result with { ValidationRows = data.HeldOut });
    }

    /// <summary>
    /// Trains on rows too many for the memory budget, read from <paramref name="source"/> once per epoch, after
    /// <paramref name="firstPass"/> fitted their statistics and counted them. Rows the <see cref="Holdout"/> rule picks
    /// are held out when the options ask for a validation fraction.
    /// </summary>
    public static (VaeModelParameters Model, TrainingResult Result) Train(IRowBlockSource source, FirstPass firstPass, VaeOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var moments = firstPass.Moments ?? throw new ArgumentException("the first pass kept the rows in memory: train on them there");
        var statistics = moments.Fit();
        var spec = VaeSpec.Resolve(options, statistics.Layout, (int)Math.Min(firstPass.Count, int.MaxValue));
        var initial = spec.Initialize(statistics, spec.Options.Seed!.Value);
        long trainRows = firstPass.Count - firstPass.HeldOut;
        if (trainRows < 1) throw new ArgumentException($"{firstPass.Count} rows leave none for training after the validation split");
        // Half the budget shuffles, a quarter holds the validation sample; the rest is left for the source's own buffers
        // and the blocks read ahead (ReadAhead.Buffers blocks, 256 KB each from an IDataView).
        long budget = (long)options.MemoryBudgetMegabytes << 20;
        using var data = new StreamedRows(source, trainRows, options.ValidationFraction, options.Seed!.Value, budget / 2, budget / 4, cancellationToken);
        return Train(spec, initial, data, progress, cancellationToken);
    }

    private static (VaeModelParameters Model, TrainingResult Result) Train(VaeSpec spec, StateDict initial, ITrainingRows rows,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var factory = BackendResolver.Resolve(spec.Options);
        using var backend = factory.Create(spec, initial, spec.Options);
        var result = TrainingLoop.Run(backend, spec, rows, progress, cancellationToken);
        return (new VaeModelParameters(spec, backend.State()), result with { Backend = factory.Name });
    }
}
