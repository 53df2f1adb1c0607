namespace MlNetVae.ML;

/// <summary>
/// The order statistic a threshold is (<see cref="AnomalyThreshold"/>: at most floor(fraction n) of the n scores
/// strictly above it), selected from scores that arrive in passes while holding at most <c>capacity</c> of them. Each
/// score maps to an unsigned key in the same order. The first pass keeps every score while they fit, and counts all
/// of them in a histogram of their keys' leading 16 bits; when they did not fit, a second pass keeps only the scores
/// in the bin holding the wanted rank, with a histogram of their last 16 bits, which pins the key and so the score
/// even when those do not fit either. So 20 million scores at the default memory budget take one pass, any number two.
/// </summary>
internal sealed class ScoreSelection(int capacity)
{
    private const int Bits = 16;
    private readonly long[] _histogram = new long[1 << Bits];
    private float[] _kept = new float[Math.Min(capacity, 1 << 16)];
    private int _keptCount;
    private bool _overflowed;
    private uint _prefix; // the second pass: the leading bits of the keys it keeps
    private int _pass;
    private long _below, _wanted;

    /// <summary>The scores the first pass saw.</summary>
    public long Count { get; private set; }

    /// <summary>Starts a pass over the same scores.</summary>
    public void StartPass()
    {
        _pass++;
        Array.Clear(_histogram);
        (_keptCount, _overflowed) = (0, false);
    }

    /// <summary>Takes one score of the pass into account.</summary>
    public void Add(float score)
    {
        if (!float.IsFinite(score)) throw new ArgumentException("every calibration score must be finite");
        uint key = Key(score);
        if (_pass > 1 && key >> Bits != _prefix) return;
        _histogram[_pass == 1 ? key >> Bits : key & 0xFFFF]++;
        if (_pass == 1) Count++;
        if (_overflowed) return;
        if (_keptCount == _kept.Length)
        {
            if (_kept.Length == capacity)
            {
                _overflowed = true;
                return;
            }
            Array.Resize(ref _kept, (int)Math.Min(capacity, 2L * _kept.Length));
        }
        _kept[_keptCount++] = score;
    }

    /// <summary>
    /// Ends a pass: true with the score that leaves at most floor(<paramref name="fraction"/> n) of the n scores strictly
    /// above it, or false when one more pass over the same scores is needed.
    /// </summary>
    public bool Finish(double fraction, out float value)
    {
        if (_pass == 1)
        {
            if (Count == 0) throw new ArgumentException("calibrating a threshold needs at least one score");
            _wanted = Count - 1 - AnomalyThreshold.Flagged(fraction, Count); // ascending rank, from 0
        }
        long rank = _wanted - _below;
        if (!_overflowed)
        {
            Array.Sort(_kept, 0, _keptCount);
            value = _kept[rank];
            return true;
        }
        uint bin = 0;
        long before = 0;
        while (before + _histogram[bin] <= rank) before += _histogram[bin++];
        _below += before;
        if (_pass == 2)
        {
            value = Score(_prefix << Bits | bin);
            return true;
        }
        _prefix = bin;
        value = 0;
        return false;
    }

    /// <summary>The score's bits as an unsigned number in the scores' order (negative scores reversed below the positive ones).</summary>
    private static uint Key(float score)
    {
        uint bits = BitConverter.SingleToUInt32Bits(score);
        return (bits & 0x8000_0000) != 0 ? ~bits : bits | 0x8000_0000;
    }

    private static float Score(uint key) => BitConverter.UInt32BitsToSingle((key & 0x8000_0000) != 0 ? key & 0x7FFF_FFFF : ~key);
}
