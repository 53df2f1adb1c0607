using MlNetVae.Engine.Randomness;

namespace MlNetVae.Training;

/// <summary>
/// Training rows held in memory, flat [count, D]: at the first epoch a random <c>ValidationFraction</c> of them (at
/// least one when the fraction is above 0) is held out, and each epoch shuffles the order of the others.
/// </summary>
internal sealed class RowsInMemory(ReadOnlyMemory<float> data, int count, int features, float validationFraction) : ITrainingRows
{
    private int[] _train = [];
    private int _next;

    /// <summary>The indices of the held-out rows, once the first epoch has started.</summary>
    public int[] HeldOut { get; private set; } = [];

    public long TrainRows => _train.Length;

    public ReadOnlyMemory<float> Validation { get; private set; }

    public long RowsRead => _next;

    public void StartEpoch(Rng rng)
    {
        if (_train.Length == 0) Split(rng);
        rng.Shuffle(_train);
        _next = 0;
    }

    public int Next(Span<float> batch, Rng rng)
    {
        var source = data.Span;
        int n = Math.Min(batch.Length / features, _train.Length - _next);
        for (int i = 0; i < n; i++) source.Slice(_train[_next + i] * features, features).CopyTo(batch.Slice(i * features, features));
        _next += n;
        return n;
    }

    public void Dispose() { }

    private void Split(Rng rng)
    {
        var order = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(order);
        int held = (int)(count * (double)validationFraction);
        if (validationFraction > 0 && held == 0) held = 1;
        if (count - held < 1) throw new ArgumentException($"{count} rows leave none for training after the validation split");
        HeldOut = order[..held];
        _train = order[held..];
        var rows = new float[held * features];
        for (int i = 0; i < held; i++) data.Span.Slice(HeldOut[i] * features, features).CopyTo(rows.AsSpan(i * features, features));
        Validation = rows;
    }
}
