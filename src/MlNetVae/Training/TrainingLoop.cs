using System.Diagnostics;
using MlNetVae.Engine.Randomness;
using MlNetVae.Spec;

namespace MlNetVae.Training;

/// <summary>
/// The one training loop, whatever the backend and wherever the rows come from (memory, or a pass over their source
/// each epoch; <see cref="ITrainingRows"/>): mini-batches in a new order each epoch, dynamic binarization,
/// reparameterization noise, KL warm-up, the learning-rate schedule, validation -ELBO, early stopping with the best weights restored, divergence
/// checks, progress and cancellation. Every random draw comes from one seeded stream here, so backends given the same
/// seed see the same batches and the same noise.
/// </summary>
internal static class TrainingLoop
{
    private const int ReportEverySteps = 20;

    /// <summary>An epoch whose mean loss exceeds the first step's by this factor (and by <see cref="DivergedMargin"/> nats) means divergence.</summary>
    private const double DivergedFactor = 100, DivergedMargin = 1000;

    /// <summary>
    /// Trains <paramref name="backend"/> on <paramref name="rows"/> (raw, finite values) and leaves it holding the weights
    /// to keep. Returns what happened.
    /// </summary>
    public static TrainingResult Run(ITrainingBackend backend, VaeSpec spec, ITrainingRows rows,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var o = spec.Options;
        int d = spec.Features, k = spec.LatentSize;
        // Data order, the split, noise and binarization draw from their own stream, so they do not shift when the
        // number of parameters (drawn from the initialization stream) changes.
        var rng = new Rng((ulong)o.Seed!.Value ^ 0x5DEECE66DUL);
        rows.StartEpoch(rng);
        long trainRows = rows.TrainRows;
        Validation? validation = null;

        int batchSize = spec.BatchSize;
        int batchRows = (int)Math.Min(batchSize, trainRows);
        var batch = new float[batchRows * d]; // (B, D)
        var noise = new float[batchRows * k]; // (B, K)
        var bernoulli = o.DynamicBinarization ? spec.Layout.Kinds().Select(kind => kind == FeatureKind.Bernoulli).ToArray() : null;
        int steps = checked((int)((trainRows + batchSize - 1) / batchSize));
        StateDict? best = null;
        double bestValidation = double.PositiveInfinity, firstLoss = double.NaN;
        int bestEpoch = 0, sinceBest = 0;
        bool stoppedEarly = false;
        var history = new List<EpochSummary>();
        var clock = Stopwatch.StartNew();
        long samples = 0;

        for (int epoch = 1; epoch <= o.Epochs; epoch++)
        {
            if (epoch > 1) rows.StartEpoch(rng);
            double lossSum = 0, reconSum = 0, klSum = 0;
            long seen = 0;
            for (int step = 1; step <= steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = rows.Next(batch, rng);
                if (bernoulli is not null) Binarize(batch.AsSpan(0, n * d), bernoulli, rng);
                rng.FillNormal(noise.AsSpan(0, n * k));
                var r = backend.Step(batch.AsSpan(0, n * d), noise.AsSpan(0, n * k), n, KlWeight(o, epoch, step, steps),
                    LearningRate(o, epoch, step, steps));
                if (!float.IsFinite(r.Loss))
                    throw new TrainingDivergedException($"training diverged at epoch {epoch}, step {step}: the loss is {r.Loss} (try a learning rate " +
                        $"of {o.LearningRate / 10:G3}, or the Gaussian likelihood for unbounded features)");
                if (double.IsNaN(firstLoss)) firstLoss = r.Loss;
                lossSum += r.Loss * (double)n;
                reconSum += r.Reconstruction * n;
                klSum += r.Kl * n;
                seen += n;
                samples += n;
                if (progress is not null && step % ReportEverySteps == 0 && step < steps)
                    progress.Report(new TrainingProgress(epoch, o.Epochs, step, steps, lossSum / seen, reconSum / seen, klSum / seen,
                        history.Count > 0 ? history[^1].ValidationNegElbo : null, samples / clock.Elapsed.TotalSeconds, clock.Elapsed)
                    {
                        RowsRead = rows.RowsRead,
                    });
            }
            double meanLoss = lossSum / seen;
            if (meanLoss > DivergedFactor * Math.Abs(firstLoss) && meanLoss > firstLoss + DivergedMargin)
                throw new TrainingDivergedException($"training diverged at epoch {epoch}: the mean loss rose from {firstLoss:G4} at the first step to " +
                    $"{meanLoss:G4} (try a learning rate of {o.LearningRate / 10:G3})");

            // Streamed rows have gathered their held-out rows once the first epoch has read them all.
            if (epoch == 1 && rows.Validation.Length > 0) validation = Validation.Create(rows.Validation.Span, d, k, o.Seed!.Value);
            double? validationNegElbo = validation?.NegElbo(backend);
            history.Add(new EpochSummary(epoch, meanLoss, (reconSum + klSum) / seen, reconSum / seen, klSum / seen, validationNegElbo));
            progress?.Report(new TrainingProgress(epoch, o.Epochs, steps, steps, meanLoss, reconSum / seen, klSum / seen,
                validationNegElbo, samples / clock.Elapsed.TotalSeconds, clock.Elapsed)
            {
                RowsRead = rows.RowsRead,
            });

            if (validationNegElbo is not double v || o.Patience == 0) { bestEpoch = epoch; continue; }
            if (v < bestValidation)
            {
                (bestValidation, bestEpoch, sinceBest) = (v, epoch, 0);
                best = backend.State();
            }
            else if (++sinceBest >= o.Patience)
            {
                stoppedEarly = epoch < o.Epochs;
                break;
            }
        }
        if (best is not null && bestEpoch != history[^1].Epoch) backend.Load(best);
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

    /// <summary>
    /// The learning rate of step <paramref name="step"/> (from 1) of epoch <paramref name="epoch"/> (from 1), t steps done
    /// of T = epochs * steps: <see cref="VaeOptions.LearningRate"/> while t &lt; (1 - f) T for the decay fraction f, then
    /// lr * (1 + cos(pi * u)) / 2 with u = (t - (1 - f) T) / (f T): lr where the decay starts, lr / 2 halfway through it,
    /// above 0 at the last step.
    /// </summary>
    internal static float LearningRate(VaeOptions o, int epoch, int step, int stepsPerEpoch)
    {
        double done = (epoch - 1) * (double)stepsPerEpoch + step - 1, total = (double)o.Epochs * stepsPerEpoch;
        double decaySteps = o.LearningRateDecay * total;
        if (decaySteps <= 0 || done < total - decaySteps) return o.LearningRate;
        // (1 + cos(pi u)) / 2 as sin^2(pi (1 - u) / 2), with 1 - u = (T - t) / (f T) >= 1 / (f T): the same value, but it cannot
        // round to 0 at the last step of a very long run, where 1 + cos(pi u) would cancel to nothing.
        double s = Math.Sin(Math.PI / 2 * (total - done) / decaySteps);
        return (float)(o.LearningRate * s * s);
    }

    /// <summary>
    /// Dynamic binarization: each Bernoulli feature of each row becomes 1 with probability equal to its value, other
    /// features stay as they are.
    /// </summary>
    private static void Binarize(Span<float> batch, bool[] bernoulli, Rng rng)
    {
        int d = bernoulli.Length;
        for (int i = 0; i < batch.Length / d; i++)
        {
            var row = batch.Slice(i * d, d);
            for (int j = 0; j < d; j++)
                if (bernoulli[j]) row[j] = rng.NextFloat() < row[j] ? 1f : 0f;
        }
    }

    /// <summary>The held-out rows and their fixed noise: the same draws every epoch, so epochs are compared on equal terms.</summary>
    private sealed class Validation(float[] rows, float[] noise, int count)
    {
        private readonly double[] _reconstruction = new double[count], _kl = new double[count];

        public static Validation Create(ReadOnlySpan<float> rows, int d, int k, int seed)
        {
            int count = rows.Length / d;
            var noise = new float[count * k];
            new Rng((ulong)seed ^ 0xA5A5A5A5UL).FillNormal(noise);
            return new Validation(rows.ToArray(), noise, count);
        }

        public double NegElbo(ITrainingBackend backend)
        {
            backend.Evaluate(rows, noise, count, _reconstruction, _kl);
            double sum = 0;
            for (int i = 0; i < count; i++) sum += _reconstruction[i] + _kl[i];
            return sum / count;
        }
    }
}
