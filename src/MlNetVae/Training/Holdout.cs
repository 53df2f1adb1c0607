namespace MlNetVae.Training;

/// <summary>
/// Which streamed rows are held out for validation: a row is held out when a hash of its key (its ML.NET row id) and
/// the seed, read as a number in [0, 1), falls below the validation fraction. It needs no list of indices, holds out
/// each row independently with that probability, and picks the same rows in every pass whatever their order, so the
/// training epochs never see them and the threshold's scoring pass finds them again.
/// </summary>
internal static class Holdout
{
    /// <summary>The row's hash in [0, 1): SplitMix64's finalizer (Steele et al.) on the key offset by the seed.</summary>
    public static double Unit(ulong key, int seed)
    {
        ulong z = key + 0x9E3779B97F4A7C15UL * (ulong)(uint)seed + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>True when the row with <paramref name="key"/> is held out of training.</summary>
    public static bool IsHeldOut(ulong key, int seed, float fraction) => fraction > 0 && Unit(key, seed) < fraction;
}
