namespace MlNetVae;

/// <summary>A snapshot of training, reported through <see cref="IProgress{T}"/>.</summary>
/// <param name="Epoch">Current epoch, from 1; 0 outside the epochs, while the rows are read before training or scored
/// after it (<see cref="Phase"/> says which; then <paramref name="Step"/> counts the rows, up to <see cref="int.MaxValue"/>).</param>
/// <param name="Epochs">Epochs planned.</param>
/// <param name="Step">Step within the epoch, from 1.</param>
/// <param name="StepsPerEpoch">Mini-batches per epoch.</param>
/// <param name="Loss">Mean loss per row over the epoch so far (reconstruction + weighted KL term).</param>
/// <param name="Reconstruction">Mean -log p(x|z) per row over the epoch so far, in nats.</param>
/// <param name="Kl">Mean KL(q(z|x) || p(z)) per row over the epoch so far, in nats.</param>
/// <param name="ValidationNegElbo">Validation negative ELBO per row after the last finished epoch; null without a validation set.</param>
/// <param name="SamplesPerSecond">Training rows processed per second since training began.</param>
/// <param name="Elapsed">Time since training began.</param>
public sealed record TrainingProgress(
    int Epoch, int Epochs, int Step, int StepsPerEpoch,
    double Loss, double Reconstruction, double Kl, double? ValidationNegElbo,
    double SamplesPerSecond, TimeSpan Elapsed)
{
    /// <summary>What <c>Fit</c> is doing.</summary>
    public TrainingPhase Phase { get; init; } = TrainingPhase.Training;

    /// <summary>Rows read from the data in the current pass (the first pass, this epoch's, or the scoring pass), held-out rows included.</summary>
    public long RowsRead { get; init; }

    /// <summary>A report from a pass outside the epochs: epoch 0, the rows read as the step.</summary>
    internal static TrainingProgress OfPass(TrainingPhase phase, int epochs, long rows, TimeSpan elapsed) =>
        new(0, epochs, (int)Math.Min(rows, int.MaxValue), 0, 0, 0, 0, null, rows / Math.Max(elapsed.TotalSeconds, 1e-9), elapsed)
        {
            Phase = phase,
            RowsRead = rows,
        };
}

/// <summary>The passes <c>Fit</c> makes over its data.</summary>
public enum TrainingPhase
{
    /// <summary>The first pass: reading the rows (into memory when they fit the memory budget, else fitting their statistics).</summary>
    Reading,
    /// <summary>The epochs.</summary>
    Training,
    /// <summary>Data too large for memory: the passes after training that fit the score statistics and set the threshold.</summary>
    Scoring,
}

/// <summary>One finished epoch.</summary>
/// <param name="Epoch">Epoch number, from 1.</param>
/// <param name="Loss">Mean training loss per row.</param>
/// <param name="NegElbo">Mean training negative ELBO per row (reconstruction + unweighted KL).</param>
/// <param name="Reconstruction">Mean training -log p(x|z) per row.</param>
/// <param name="Kl">Mean training KL per row.</param>
/// <param name="ValidationNegElbo">Validation negative ELBO per row, or null.</param>
public sealed record EpochSummary(int Epoch, double Loss, double NegElbo, double Reconstruction, double Kl, double? ValidationNegElbo);

/// <summary>What training did.</summary>
/// <param name="History">Every finished epoch, in order.</param>
/// <param name="BestEpoch">The epoch whose weights the model holds (the last one unless early stopping restored an earlier one).</param>
/// <param name="StoppedEarly">True when early stopping ended training before the planned epochs.</param>
/// <param name="Seconds">Wall time of the training loop.</param>
/// <param name="SamplesPerSecond">Training rows processed per second.</param>
public sealed record TrainingResult(IReadOnlyList<EpochSummary> History, int BestEpoch, bool StoppedEarly, double Seconds, double SamplesPerSecond)
{
    /// <summary>
    /// The indices of the rows held out for validation (not trained on) when the rows were trained on in memory (empty
    /// when none were); null when training streamed, which holds rows out by a hash of their row id and the seed
    /// instead. Not saved with a model.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<int>? ValidationRows { get; init; }

    /// <summary>The backend that trained the model (<c>managed</c> or <c>torchsharp</c>).</summary>
    public string Backend { get; init; } = "managed";

    /// <summary>The training negative ELBO per row of the last epoch.</summary>
    public double TrainNegElbo => History[^1].NegElbo;

    /// <summary>The best validation negative ELBO per row, or null without a validation set.</summary>
    public double? ValidationNegElbo => History.Min(h => h.ValidationNegElbo);
}
