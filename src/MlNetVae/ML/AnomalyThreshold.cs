namespace MlNetVae;

/// <summary>How a threshold was calibrated.</summary>
public enum ThresholdMethod
{
    /// <summary>The (1 - contamination) quantile of the training rows' scores: that fraction of training rows is flagged.</summary>
    Contamination,
    /// <summary>The (1 - rate) quantile of the scores of held-out normal rows: about that fraction of normal rows is flagged.</summary>
    FalsePositiveRate,
    /// <summary>Set by hand.</summary>
    Manual,
}

/// <summary>A score above <see cref="Value"/> marks a row as an anomaly. Saved with the model.</summary>
/// <param name="Value">The score threshold; rows scoring strictly above it are anomalies.</param>
/// <param name="Method">How it was chosen.</param>
/// <param name="Fraction">The contamination fraction or false-positive rate it was calibrated for (0 when manual).</param>
public sealed record AnomalyThreshold(double Value, ThresholdMethod Method, double Fraction)
{
    /// <summary>The threshold flagging the top <paramref name="contamination"/> fraction of the training scores.</summary>
    public static AnomalyThreshold FromContamination(IReadOnlyList<double> trainingScores, double contamination) =>
        new(Quantile(trainingScores, contamination, "contamination"), ThresholdMethod.Contamination, contamination);

    /// <summary>The threshold that flags about <paramref name="rate"/> of the held-out normal rows whose scores are given.</summary>
    public static AnomalyThreshold FromFalsePositiveRate(IReadOnlyList<double> normalScores, double rate) =>
        new(Quantile(normalScores, rate, "false-positive rate"), ThresholdMethod.FalsePositiveRate, rate);

    /// <summary>True when <paramref name="score"/> is above the threshold.</summary>
    public bool IsAnomaly(double score) => score > Value;

    /// <summary>
    /// The value with at most floor(fraction * n) scores strictly above it: the (1 - fraction) empirical quantile,
    /// taken as an order statistic so the flagged fraction on the calibration rows never exceeds the one asked for.
    /// </summary>
    private static double Quantile(IReadOnlyList<double> scores, double fraction, string what)
    {
        ArgumentNullException.ThrowIfNull(scores);
        CheckFraction(fraction, what);
        if (scores.Count == 0) throw new ArgumentException($"calibrating a threshold from a {what} needs at least one score");
        if (scores.Any(s => !double.IsFinite(s))) throw new ArgumentException("every calibration score must be finite");
        var sorted = scores.Order().ToArray();
        return sorted[sorted.Length - 1 - Flagged(fraction, sorted.Length)];
    }

    /// <summary>Refuses a <paramref name="what"/> (contamination, false-positive rate) outside (0, 1).</summary>
    internal static void CheckFraction(double fraction, string what)
    {
        if (!(fraction > 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"the {what} must lie strictly between 0 and 1");
    }

    /// <summary>How many of <paramref name="count"/> calibration scores a threshold for <paramref name="fraction"/> leaves above it.</summary>
    internal static long Flagged(double fraction, long count) => (long)Math.Floor(fraction * count);
}
