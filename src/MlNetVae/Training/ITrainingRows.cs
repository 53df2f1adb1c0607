using MlNetVae.Engine.Randomness;

namespace MlNetVae.Training;

/// <summary>
/// Where the training loop's rows come from, epoch after epoch: held in memory (<see cref="RowsInMemory"/>) or read
/// from their source once per epoch (<see cref="StreamedRows"/>). Either holds some rows out for validation and hands
/// the others out in a new random order every epoch.
/// </summary>
internal interface ITrainingRows : IDisposable
{
    /// <summary>Rows trained on per epoch; known once the first epoch has started.</summary>
    long TrainRows { get; }

    /// <summary>
    /// The held-out rows the validation -ELBO is measured on, flat [rows, D] (empty without a validation split);
    /// complete once the first epoch has been read.
    /// </summary>
    ReadOnlyMemory<float> Validation { get; }

    /// <summary>Rows read from the data in the current epoch, held-out ones included.</summary>
    long RowsRead { get; }

    /// <summary>Starts an epoch; the order of its rows is drawn from <paramref name="rng"/>.</summary>
    void StartEpoch(Rng rng);

    /// <summary>
    /// Writes the epoch's next raw rows into <paramref name="batch"/> (as many whole rows as fit) and returns how many;
    /// 0 once every training row has been handed out this epoch.
    /// </summary>
    int Next(Span<float> batch, Rng rng);
}
