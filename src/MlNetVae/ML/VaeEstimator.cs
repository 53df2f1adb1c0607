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

    /// <summary>Reads the feature column, trains, and calibrates the threshold.</summary>
    public VaeTransformer Fit(IDataView input) => Fit(input, null, CancellationToken.None);

    /// <summary>
    /// <see cref="Fit(IDataView)"/> with progress (epoch 0 while the rows are read, then one report per 20 steps and per
    /// epoch; each epoch also goes to the MLContext's log) and cancellation between steps.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or not a known-size Single vector.</exception>
    /// <exception cref="ArgumentException">Too few rows to train or to set the threshold.</exception>
    /// <exception cref="InvalidDataException">A row holds NaN or infinity (the message names column, row and slot).</exception>
    /// <exception cref="TrainingDivergedException">Training diverged (the message names the epoch and a learning rate to try).</exception>
    public VaeTransformer Fit(IDataView input, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var channel = _host.Start("Training");
        var column = VaeSchema.FeatureColumn(input.Schema, Options.FeatureColumnName, null);
        var (rows, count) = FeatureReader.ReadAll(input, column, progress, cancellationToken);
        CheckRowCount(count, channel);
        var logged = new EpochLog(channel, progress);
        var (model, result) = VaeTrainer.Train(rows, ((VectorDataViewType)column.Type).Size, Options, logged, cancellationToken);
        var score = model.Spec.Score;
        var compute = Compute.Shared(Options.Threads);
        if (ScoreStatistics.Missing(model.Spec, null, score) is not null)
            model = model.WithScoreStatistics(StatisticsFitter.Fit(model, rows, [score], compute));
        var scorer = new AnomalyScorer(model, Options.Threads);
        var threshold = Options.FalsePositiveRate is double rate
            ? Threshold(scorer.Score(CalibrationRows(rows, model.Features, result), score), rate, ThresholdMethod.FalsePositiveRate, channel)
            : Threshold(scorer.Score(rows, score), Options.Contamination, ThresholdMethod.Contamination, channel);
        channel.Info(MessageSensitivity.None, $"trained {result.History.Count} epochs on {count} rows in {result.Seconds:F1} s; threshold " +
            $"{threshold.Value:G6} ({threshold.Method}, {threshold.Fraction:G3})");
        return new VaeTransformer(model, model.Spec.Options, threshold, result, null, _host);
    }

    /// <summary>The input's shape plus the output columns; a missing or mistyped feature column fails here, before training.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        VaeSchema.CheckFeatureShape(inputSchema, Options.FeatureColumnName);
        return VaeSchema.Output(inputSchema, Options);
    }

    /// <summary>Too few rows to train is an error; few rows a warning naming the count.</summary>
    private static void CheckRowCount(int rows, IChannel channel)
    {
        if (rows < MinimumRows)
            throw new ArgumentException($"the input has {rows} rows; the VAE needs at least {MinimumRows} to train and set a threshold (and hundreds " +
                $"or more for a reliable one)");
        if (rows < FewRows)
            channel.Warning(MessageSensitivity.None, $"only {rows} rows to train on: the model and its threshold will be rough (a VAE wants {FewRows} " +
                $"rows or more)");
    }

    /// <summary>
    /// The threshold flagging <paramref name="fraction"/> of <paramref name="scores"/>: an error when that is not even one
    /// row, a warning when it rests on fewer than 10.
    /// </summary>
    private static AnomalyThreshold Threshold(double[] scores, double fraction, ThresholdMethod method, IChannel channel)
    {
        string rows = method == ThresholdMethod.Contamination ? "training rows" : "held-out rows";
        double tail = scores.Length * fraction;
        if (tail < 1)
            throw new ArgumentException($"{scores.Length} {rows} cannot set a threshold for a " +
                $"{(method == ThresholdMethod.Contamination ? "contamination" : "false-positive rate")} of {fraction:G3}: it needs at least " +
                    $"{Math.Ceiling(1 / fraction):F0}");
        if (tail < 10)
            channel.Warning(MessageSensitivity.None, $"the threshold rests on the {Math.Floor(tail):F0} highest scores of {scores.Length} {rows}: it " +
                $"will move a lot with more data");
        return method == ThresholdMethod.Contamination ? AnomalyThreshold.FromContamination(scores,
            fraction) : AnomalyThreshold.FromFalsePositiveRate(scores, fraction);
    }

    /// <summary>The held-out validation rows when training kept some, else every training row.</summary>
    private static float[] CalibrationRows(float[] rows, int d, TrainingResult result)
    {
        if (result.ValidationRows is not { Count: > 0 } held) return rows;
        var picked = new float[held.Count * d];
        for (int i = 0; i < held.Count; i++) rows.AsSpan(held[i] * d, d).CopyTo(picked.AsSpan(i * d, d));
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
