namespace MlNetVae.Spec;

/// <summary>The one rule for turning a standard deviation into a scale to divide by (feature standardization, z-scored score terms).</summary>
internal static class Moments
{
    /// <summary>
    /// <paramref name="std"/> (at least <paramref name="floor"/>) as a float scale; a value that is the same on every row
    /// (a deviation below 1e-12 of its magnitude) or an overflowing one gets scale 1, which maps it to 0 instead of
    /// dividing by 0.
    /// </summary>
    public static float Scale(double mean, double std, double floor = 0) =>
        std > 1e-12 * Math.Max(1, Math.Abs(mean)) && float.IsFinite((float)std) ? (float)Math.Max(std, floor) : 1f;

    /// <summary>
    /// The mean and <see cref="Scale"/> of values given by their count, sum and sum of squares (population deviation;
    /// accumulated in double, which keeps the cancellation small for the O(1) to O(1000) values it is used on).
    /// </summary>
    public static (float Mean, float Scale) MeanAndScale(double sum, double sumOfSquares, long count)
    {
        double mean = sum / count;
        return ((float)mean, Scale(mean, Math.Sqrt(Math.Max(0, sumOfSquares / count - mean * mean))));
    }
}
