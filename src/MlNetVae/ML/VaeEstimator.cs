using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetVae.Engine;
using MlNetVae.Graph;
using MlNetVae.Inference;
using MlNetVae.ML;
using MlNetVae.Training;

namespace MlNetVae;

/// <summary>
/// Fits a VAE to a known-size Single vector column, as an ML.NET estimator: append it to a pipeline, <c>Fit</c>, and
/// get a <see cref="VaeTransformer"/> that adds the score, the anomaly flag, the latent mean, the reconstruction and
/// the negative ELBO. Made by <c>mlContext.AnomalyDetection.Trainers.VariationalAutoencoder</c> or
/// <c>mlContext.Transforms.VariationalAutoencoder</c>; its seed (unless the options set one) and its log are the MLContext's.
/// </summary>
public sealed class VaeEstimator : IEstimator<VaeTransformer>
{
    /// <summary>Fewer rows than this cannot train a model or set a threshold.</summary>
    public const int MinimumRows = 10;

    /// <summary>Fewer rows than this train, with a warning that the model and its threshold will be rough.</summary>
    public const int FewRows = 100;

    private readonly IHost _host;

    internal VaeEstimator(IHostEnvironment env, VaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _host = env.Register("VariationalAutoencoder");
        // Drawn once, here, as ML.NET's own trainers draw from their host: the same MLContext seed gives the same model.
        Options = options.Seed is null ? options with { Seed = _host.Rand.Next() } : options;
    }

    /// <summary>The options, with the seed drawn from the MLContext when they left it unset.</summary>
    public VaeOptions Options { get; }

    /// <summary>Where <see cref="VaeOptions.DiskCache"/> puts its file: the system's temporary folder unless the CLI sets the model's.</summary>
    internal string CacheFolder { get; set; } = Path.GetTempPath();

    /// <summary>Reads the feature column, trains, and calibrates the threshold.</summary>
    public VaeTransformer Fit(IDataView input) => Fit(input, null, CancellationToken.None);

    /// <summary>
    /// <see cref="Fit(IDataView)"/> with progress (epoch 0 while the rows are read, and while data too large for memory is
    /// scored after training, with the rows read as the step; then one report per 20 steps and per epoch; each epoch
    /// also goes to the MLContext's log) and cancellation between steps and between blocks of rows.
    /// </summary>
    /// <remarks>
    /// Rows that fit in <see cref="VaeOptions.MemoryBudgetMegabytes"/> are read once and trained on in memory. More are
    /// trained on in passes: one pass over <paramref name="input"/> for the feature statistics, one per epoch through a
    /// shuffle pool, and one or two to fit the score statistics and set the threshold. With
    /// <see cref="VaeOptions.DiskCache"/> (the default) the first pass also copies the rows to a temporary file, which
    /// the other passes read; without it they read <paramref name="input"/> again, so its cursors must give the same
    /// rows every time.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or not a known-size Single vector.</exception>
    /// <exception cref="ArgumentException">Too few rows to train or to set the threshold.</exception>
    /// <exception cref="InvalidDataException">
    /// A row holds NaN or infinity (the message names column, row and slot), or the rows changed between passes.
    /// </exception>
    /// <exception cref="TrainingDivergedException">Training diverged (the message names the epoch and a learning rate to try).</exception>
    public VaeTransformer Fit(IDataView input, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var channel = _host.Start("Training");
        var column = VaeSchema.FeatureColumn(input.Schema, Options.FeatureColumnName, null);
        var source = new DataViewBlocks(input, column);
        var logged = new EpochLog(channel, progress);
        var firstPass = FirstPass.Read(source, Options, Options.DiskCache ? () => RowCacheFile.Create(CacheFolder, source.Features) : null, progress,
            cancellationToken);
        using var cache = firstPass.Cache;
        CheckRowCount(firstPass.Count, channel);
        var (model, result, threshold) = firstPass.Rows is { } rows
            ? InMemory(rows, source.Features, logged, channel, cancellationToken)
            : Streamed((IRowBlockSource?)cache ?? source, firstPass, logged, channel, cancellationToken);
        string passes = firstPass.Rows is null ? " in passes" : "";
        channel.Info(MessageSensitivity.None, $"trained {result.History.Count} epochs on {firstPass.Count} rows{passes} in {result.Seconds:F1} s; " +
            $"threshold {threshold.Value:G6} ({threshold.Method}, {threshold.Fraction:G3})");
        return new VaeTransformer(model, model.Spec.Options, threshold, result, null, _host);
    }

    /// <summary>The input's shape plus the output columns; a missing or mistyped feature column fails here, before training.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        VaeSchema.CheckFeatureShape(inputSchema, Options.FeatureColumnName);
        return VaeSchema.Output(inputSchema, Options);
    }

    /// <summary>Trains on rows held in memory, fits the score statistics on them and scores them for the threshold.</summary>
    private (VaeModelParameters, TrainingResult, AnomalyThreshold) InMemory(ReadOnlyMemory<float> rows, int features, IProgress<TrainingProgress> progress,
        IChannel channel, CancellationToken cancellationToken)
    {
        var (model, result) = VaeTrainer.Train(rows, features, Options, progress, cancellationToken);
        var score = model.Spec.Score;
        if (ScoreStatistics.Missing(model.Spec, null, score) is not null)
            model = model.WithScoreStatistics(StatisticsFitter.Fit(model, rows, [score], Compute.Shared(Options.Threads)));
        var scorer = new AnomalyScorer(model, Options.Threads);
        var (method, fraction) = Calibration;
        // A false-positive rate is calibrated on the held-out rows when training kept some, else on every training row.
        var calibration = method == ThresholdMethod.FalsePositiveRate && result.ValidationRows is { Count: > 0 } held
            ? Picked(rows.Span, features, held)
            : rows.Span;
        var scores = scorer.Score(calibration, score);
        CheckCalibration(scores.Length, fraction, method, channel);
        var threshold = method == ThresholdMethod.Contamination
            ? AnomalyThreshold.FromContamination(scores, fraction)
            : AnomalyThreshold.FromFalsePositiveRate(scores, fraction);
        return (model, result, threshold);
    }

    /// <summary>
    /// Trains in passes over <paramref name="source"/>, then fits the score statistics and sets the threshold in
    /// scoring passes over it; a false-positive rate is calibrated on the rows the hold-out rule kept out of training.
    /// </summary>
    private (VaeModelParameters, TrainingResult, AnomalyThreshold) Streamed(IRowBlockSource source, FirstPass firstPass, IProgress<TrainingProgress> progress,
        IChannel channel, CancellationToken cancellationToken)
    {
        var (model, result) = VaeTrainer.Train(source, firstPass, Options, progress, cancellationToken);
        var score = model.Spec.Score;
        var rows = ScoringPasses.Rows(source, progress, Options.Epochs, cancellationToken);
        if (ScoreStatistics.Missing(model.Spec, null, score) is not null)
            model = model.WithScoreStatistics(StatisticsFitter.Fit(model, rows.Select(b => b.Rows), [score], Compute.Shared(Options.Threads)));
        var (method, fraction) = Calibration;
        int seed = Options.Seed!.Value;
        float validation = Options.ValidationFraction;
        Func<ulong, bool>? heldOut = method == ThresholdMethod.FalsePositiveRate && validation > 0 ? key => Holdout.IsHeldOut(key, seed, validation) : null;
        float value = ScoringPasses.Threshold(new AnomalyScorer(model, Options.Threads), score, rows, heldOut, fraction,
            (long)Options.MemoryBudgetMegabytes << 20,
            count => CheckCalibration(count, fraction, method, channel));
        return (model, result, new AnomalyThreshold(value, method, fraction));
    }

    /// <summary>How the threshold is calibrated: a false-positive rate when the options set one, else the contamination.</summary>
    private (ThresholdMethod Method, double Fraction) Calibration => Options.FalsePositiveRate is double rate
        ? (ThresholdMethod.FalsePositiveRate, rate)
        : (ThresholdMethod.Contamination, Options.Contamination);

    /// <summary>Too few rows to train is an error; few rows a warning naming the count.</summary>
    private static void CheckRowCount(long rows, IChannel channel)
    {
        if (rows < MinimumRows)
            throw new ArgumentException($"the input has {rows} rows; the VAE needs at least {MinimumRows} to train and set a threshold (and hundreds " +
                $"or more for a reliable one)");
        if (rows < FewRows)
            channel.Warning(MessageSensitivity.None, $"only {rows} rows to train on: the model and its threshold will be rough (a VAE wants {FewRows} " +
                $"rows or more)");
    }

    /// <summary>
    /// A threshold flagging <paramref name="fraction"/> of <paramref name="count"/> calibration scores is an error when
    /// that is not even one row, and a warning when it rests on fewer than 10.
    /// </summary>
    private static void CheckCalibration(long count, double fraction, ThresholdMethod method, IChannel channel)
    {
        string rows = method == ThresholdMethod.Contamination ? "training rows" : "held-out rows";
        double tail = count * fraction;
        if (tail < 1)
            throw new ArgumentException($"{count} {rows} cannot set a threshold for a " +
                $"{(method == ThresholdMethod.Contamination ? "contamination" : "false-positive rate")} of {fraction:G3}: it needs at least " +
                $"{Math.Ceiling(1 / fraction):F0}");
        if (tail < 10)
            channel.Warning(MessageSensitivity.None, $"the threshold rests on the {Math.Floor(tail):F0} highest scores of {count} {rows}: it " +
                $"will move a lot with more data");
    }

    /// <summary>The rows of <paramref name="rows"/> at the indices <paramref name="held"/>, in that order.</summary>
    private static float[] Picked(ReadOnlySpan<float> rows, int d, IReadOnlyList<int> held)
    {
        var picked = new float[held.Count * d];
        for (int i = 0; i < held.Count; i++) rows.Slice(held[i] * d, d).CopyTo(picked.AsSpan(i * d, d));
        return picked;
    }

    /// <summary>Passes progress on, and writes each finished epoch to the MLContext's log.</summary>
    private sealed class EpochLog(IChannel channel, IProgress<TrainingProgress>? inner) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            inner?.Report(value);
            if (value.Epoch > 0 && value.Step == value.StepsPerEpoch)
                channel.Info(MessageSensitivity.None, $"epoch {value.Epoch}/{value.Epochs}: loss {value.Loss:G5}, reconstruction " +
                    $"{value.Reconstruction:G5}, KL {value.Kl:G5}" +
                    (value.ValidationNegElbo is double v ? $", validation -ELBO {v:G5}" : "") + $", {value.SamplesPerSecond:F0} rows/s");
        }
    }
}
