namespace MlNetVae.Spec;

/// <summary>The check every public entry point makes on rows it is handed: whole rows of the model's width, finite values.</summary>
internal static class RowCheck
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first row and feature that is not a finite number, or a ragged length.</summary>
    public static int Rows(ReadOnlySpan<float> values, int features, string what = "rows")
    {
        if (values.Length % features != 0)
            throw new ArgumentException($"{what}: {values.Length} values are not whole rows of {features} features");
        int bad = values.IndexOfAnyExceptInRange(float.MinValue, float.MaxValue);
        if (bad >= 0) throw new ArgumentException($"{what}: row {bad / features}, feature {bad % features}: expected a finite number, found " +
            $"{values[bad].ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return values.Length / features;
    }
}
