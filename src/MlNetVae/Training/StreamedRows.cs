using MlNetVae.Engine.Randomness;

namespace MlNetVae.Training;

/// <summary>
/// Training rows read from an <see cref="IRowBlockSource"/> once per epoch, in bounded memory whatever their number.
/// Each epoch asks the source for its own shuffled order (the <see cref="RowCacheFile"/> reads its chunks in a random
/// order, and so does an ML.NET binary file its blocks),
/// reads it on a background task a few blocks ahead of training (<see cref="ReadAhead"/>), then passes the rows
/// through a shuffle pool: a batch row is a random row of the pool, replaced by the next row read, so rows that were
/// far apart in the data meet in one batch. Rows the <see cref="Holdout"/> rule picks are never trained on; the first
/// epoch keeps a sample of them for the validation -ELBO.
/// </summary>
internal sealed class StreamedRows : ITrainingRows
{
    private readonly IRowBlockSource _source;
    private readonly int _d, _seed;
    private readonly float _fraction;
    private readonly CancellationToken _cancellation;
    private readonly float[] _pool; // (capacity, D)
    private readonly int _capacity;
    private readonly HeldOutSample? _heldOut;
    private ReadAhead? _blocks;
    private RowBlock _block;
    private int _inBlock, _pooled, _epoch;
    private long _trained;

    /// <param name="source">The rows, read once per epoch.</param>
    /// <param name="trainRows">The rows the first pass counted outside the hold-out: each epoch must read exactly these.</param>
    /// <param name="validationFraction">The hold-out fraction (0: none).</param>
    /// <param name="seed">The seed of the hold-out rule.</param>
    /// <param name="poolBytes">Memory for the shuffle pool.</param>
    /// <param name="validationBytes">Memory for the held-out rows the validation -ELBO is measured on.</param>
    /// <param name="cancellationToken">Stops a pass between blocks.</param>
    public StreamedRows(IRowBlockSource source, long trainRows, float validationFraction, int seed, long poolBytes, long validationBytes,
        CancellationToken cancellationToken)
    {
        _source = source;
        _d = source.Features;
        TrainRows = trainRows;
        (_fraction, _seed, _cancellation) = (validationFraction, seed, cancellationToken);
        _capacity = (int)Math.Clamp(Math.Min(poolBytes / (4L * _d), trainRows), 1, Array.MaxLength / _d);
        _pool = new float[(long)_capacity * _d];
        if (validationFraction > 0) _heldOut = new HeldOutSample(_d, (int)Math.Clamp(validationBytes / (4L * _d), 2, Array.MaxLength / _d), validationFraction);
    }

    /// <summary>Rows the shuffle pool holds.</summary>
    public int PoolRows => _capacity;

    public long TrainRows { get; }

    public ReadOnlyMemory<float> Validation => _heldOut?.Rows ?? ReadOnlyMemory<float>.Empty;

    public long RowsRead { get; private set; }

    public void StartEpoch(Rng rng)
    {
        _blocks?.Dispose();
        _epoch++;
        _blocks = new ReadAhead(_source, (int)(rng.NextUInt64() >> 33), _cancellation);
        (_block, _inBlock, _pooled, _trained, RowsRead) = (default, 0, 0, 0, 0);
        while (_pooled < _capacity && NextRow() is { IsEmpty: false } row)
            row.CopyTo(_pool.AsSpan(_pooled++ * _d, _d));
    }

    public int Next(Span<float> batch, Rng rng)
    {
        int n = 0;
        for (; n < batch.Length / _d; n++)
        {
            var dst = batch.Slice(n * _d, _d);
            var row = NextRow();
            if (row.IsEmpty && _pooled == 0) break;
            int j = rng.NextInt(_pooled);
            var slot = _pool.AsSpan(j * _d, _d);
            slot.CopyTo(dst);
            if (!row.IsEmpty) row.CopyTo(slot);
            else _pool.AsSpan(--_pooled * _d, _d).CopyTo(slot); // the source is done: the pool drains in random order
        }
        return n;
    }

    public void Dispose() => _blocks?.Dispose();

    /// <summary>The next row to train on (held-out rows skipped, and sampled in the first epoch), or empty at the end of the pass.</summary>
    private ReadOnlySpan<float> NextRow()
    {
        while (true)
        {
            if (_inBlock == _block.Count)
            {
                if (_blocks is null || !_blocks.MoveNext())
                {
                    _blocks?.Dispose();
                    _blocks = null;
                    if (_trained != TrainRows) throw Changed();
                    return [];
                }
                (_block, _inBlock) = (_blocks.Current, 0);
                continue;
            }
            int i = _inBlock++;
            RowsRead++;
            var row = _block.Rows.Span.Slice(i * _d, _d);
            if (_fraction > 0)
            {
                double u = Holdout.Unit(_block.Keys.Span[i], _seed);
                if (u < _fraction)
                {
                    if (_epoch == 1) _heldOut!.Add(row, u);
                    continue;
                }
            }
            if (++_trained > TrainRows) throw Changed();
            return row;
        }
    }

    private InvalidDataException Changed() => new(
        $"the data changed between passes: the first pass found {TrainRows} rows to train on, epoch {_epoch} found " +
        $"{(_trained > TrainRows ? "more" : $"{_trained}")}; training from an IDataView too large for memory reads it once per epoch and needs " +
        $"the same rows every time");

    /// <summary>
    /// The held-out rows kept for the validation -ELBO, at most <c>capacity</c>: those whose hold-out hash lies below a
    /// bound that starts at the validation fraction and halves whenever they would not fit, so the sample is the same
    /// whatever order the rows arrive in, and uniform over the held-out rows.
    /// </summary>
    private sealed class HeldOutSample(int features, int capacity, double fraction)
    {
        private float[] _rows = new float[Math.Min(capacity, 1024) * features];
        private double[] _hash = new double[Math.Min(capacity, 1024)];
        private int _count;
        private double _bound = fraction;

        public ReadOnlyMemory<float> Rows => _rows.AsMemory(0, _count * features);

        public void Add(ReadOnlySpan<float> row, double hash)
        {
            if (hash >= _bound) return;
            if (_count == _hash.Length && _count < capacity)
            {
                Array.Resize(ref _hash, Math.Min(capacity, 2 * _count));
                Array.Resize(ref _rows, _hash.Length * features);
            }
            while (_count == capacity)
            {
                _bound /= 2;
                int kept = 0;
                for (int i = 0; i < _count; i++)
                {
                    if (_hash[i] >= _bound) continue;
                    _hash[kept] = _hash[i];
                    _rows.AsSpan(i * features, features).CopyTo(_rows.AsSpan(kept * features, features));
                    kept++;
                }
                _count = kept;
                if (hash >= _bound) return;
            }
            _hash[_count] = hash;
            row.CopyTo(_rows.AsSpan(_count++ * features, features));
        }
    }
}
