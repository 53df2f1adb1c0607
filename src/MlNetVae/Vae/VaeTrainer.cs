using System.Diagnostics;
using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Optim;
using MlNetVae.Engine.Randomness;

namespace MlNetVae.Vae;

/// <summary>Training diverged: the loss became NaN or infinite.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>
/// Fits a VAE by maximizing the ELBO with Adam on shuffled mini-batches: loss = reconstruction + beta * KL,
/// with optional KL warm-up, free bits, validation and early stopping.
/// </summary>
public static class VaeTrainer
{
    private const int ReportEverySteps = 20;

    /// <summary>
    /// Fits preprocessing and a model on <paramref name="rows"/> (raw units; every row the same width).
    /// </summary>
    /// <exception cref="ArgumentException">Invalid options or unusable rows (the message names row and column).</exception>
    /// <exception cref="TrainingDivergedException">The loss became non-finite (the message names epoch and step).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static (VaeModel Model, TrainingResult Result) Train(IReadOnlyList<float[]> rows, VaeOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var preprocessor = Preprocessor.Fit(rows, options);
        var model = new VaeModel(options, preprocessor);
        var result = Train(model, rows, progress, cancellationToken);
        return (model, result);
    }

    /// <summary>Trains an existing model further on <paramref name="rows"/> with its own options.</summary>
    public static TrainingResult Train(VaeModel model, IReadOnlyList<float[]> rows,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rows);
        var o = model.Options;
        int d = model.Features, k = model.LatentSize;
        // Data order, validation split, noise and binarization draw from their own stream, so they do not
        // shift when the number of parameters (drawn from the model's stream) changes.
        var rng = new Rng((ulong)o.Seed ^ 0x5DEECE66DUL);
        var order = Enumerable.Range(0, rows.Count).ToArray();
        rng.Shuffle(order);
        int validationRows = (int)(rows.Count * (double)o.ValidationFraction);
        if (o.ValidationFraction > 0 && validationRows == 0) validationRows = 1;
        int trainRows = rows.Count - validationRows;
        if (trainRows < 1) throw new ArgumentException($"{rows.Count} rows leave none for training after the validation split");
        float[] train = model.ToModelUnits(rows, order.AsSpan(validationRows));
        float[] validation = model.ToModelUnits(rows, order.AsSpan(0, validationRows));

        var compute = new Compute(o.Threads);
        var tape = new Tape(compute);
        var adam = new Adam(model.Parameters, new AdamOptions(LearningRate: o.LearningRate), compute);
        var evaluator = validationRows > 0 ? new ElboEvaluator(model, compute) : null;
        var batch = new Tensor(Math.Min(o.BatchSize, trainRows), d); // (B, D)
        var eps = new Tensor(batch.Rows, k);                           // (B, K)
        var index = Enumerable.Range(0, trainRows).ToArray();
        int steps = (trainRows + o.BatchSize - 1) / o.BatchSize;
        float[]? best = null;
        double bestValidation = double.PositiveInfinity;
        int bestEpoch = 0, sinceBest = 0;
        bool stoppedEarly = false;
        var history = new List<EpochSummary>();
        var clock = Stopwatch.StartNew();
        long samples = 0;

        for (int epoch = 1; epoch <= o.Epochs; epoch++)
        {
            rng.Shuffle(index);
            double lossSum = 0, reconSum = 0, klSum = 0;
            int seen = 0;
            for (int step = 1; step <= steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int start = (step - 1) * o.BatchSize, n = Math.Min(o.BatchSize, trainRows - start);
                batch = Tensor.Resize(batch, [n, d]);
                eps = Tensor.Resize(eps, [n, k]);
                Gather(train, d, index.AsSpan(start, n), batch, o.DynamicBinarization ? rng : null);
                rng.FillNormal(eps.Span);

                float klWeight = KlWeight(o, epoch, step, steps);
                tape.Reset();
                model.Parameters.ZeroGrad();
                var e = Elbo.Record(tape, model, tape.Input(batch), tape.Input(eps), klWeight, o.FreeBits);
                float loss = e.Loss.Value.Span[0];
                if (!float.IsFinite(loss))
                    throw new TrainingDivergedException($"training diverged at epoch {epoch}, step {step}: the loss is {loss} (try a lower learning rate, or the Gaussian likelihood for unbounded features)");
                tape.Backward(e.Loss);
                adam.Step();

                double recon = Mean(e.Reconstruction.Value.Span), kl = Mean(e.Kl.Value.Span);
                lossSum += loss * (double)n;
                reconSum += recon * n;
                klSum += kl * n;
                seen += n;
                samples += n;
                if (progress is not null && step % ReportEverySteps == 0 && step < steps)
                    progress.Report(new TrainingProgress(epoch, o.Epochs, step, steps, lossSum / seen, reconSum / seen, klSum / seen,
                        history.Count > 0 ? history[^1].ValidationNegElbo : null, samples / clock.Elapsed.TotalSeconds, clock.Elapsed));
            }

            double? validationNegElbo = evaluator is null ? null : ValidationNegElbo(evaluator, validation, validationRows, o.Seed);
            history.Add(new EpochSummary(epoch, lossSum / seen, (reconSum + klSum) / seen, reconSum / seen, klSum / seen, validationNegElbo));
            progress?.Report(new TrainingProgress(epoch, o.Epochs, steps, steps, lossSum / seen, reconSum / seen, klSum / seen,
                validationNegElbo, samples / clock.Elapsed.TotalSeconds, clock.Elapsed));

            if (validationNegElbo is not double v) { bestEpoch = epoch; continue; }
            if (v < bestValidation)
            {
                (bestValidation, bestEpoch, sinceBest) = (v, epoch, 0);
                if (o.Patience > 0) best = model.Parameters.Values.ToArray();
            }
            else if (o.Patience > 0 && ++sinceBest >= o.Patience)
            {
                stoppedEarly = epoch < o.Epochs;
                break;
            }
        }
        if (best is not null && bestEpoch != history[^1].Epoch) best.CopyTo(model.Parameters.Values);
        double seconds = clock.Elapsed.TotalSeconds;
        return new TrainingResult(history, bestEpoch, stoppedEarly, seconds, samples / seconds);
    }

    /// <summary>
    /// KL warm-up: the KL weight climbs linearly from 0 at the first step to beta after
    /// <see cref="VaeOptions.WarmupEpochs"/> epochs, then stays at beta.
    /// </summary>
    internal static float KlWeight(VaeOptions o, int epoch, int step, int stepsPerEpoch)
    {
        if (o.WarmupEpochs == 0) return o.Beta;
        float epochsDone = epoch - 1 + (float)(step - 1) / stepsPerEpoch;
        return o.Beta * Math.Min(1f, epochsDone / o.WarmupEpochs);
    }

    /// <summary>Copies the picked rows into the batch; with a generator, each value becomes 1 with probability equal to it (dynamic binarization).</summary>
    private static void Gather(float[] data, int d, ReadOnlySpan<int> rows, Tensor batch, Rng? binarize)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            var dst = batch.Row(i);
            data.AsSpan(rows[i] * d, d).CopyTo(dst);
            if (binarize is null) continue;
            for (int j = 0; j < d; j++) dst[j] = binarize.NextFloat() < dst[j] ? 1f : 0f;
        }
    }

    private static double ValidationNegElbo(ElboEvaluator evaluator, float[] rows, int count, int seed)
    {
        var recon = new double[count];
        var kl = new double[count];
        // The same noise every epoch, so epochs are compared on equal terms.
        evaluator.Evaluate(rows, count, 1, new Rng((ulong)seed ^ 0xA5A5A5A5UL), recon, kl);
        double sum = 0;
        for (int i = 0; i < count; i++) sum += recon[i] + kl[i];
        return sum / count;
    }

    private static double Mean(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values) sum += v;
        return sum / values.Length;
    }
}
