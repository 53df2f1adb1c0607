using NUnit.Framework;

namespace MlNetVae.Tests.Onnx;

/// <summary>
/// Compares ONNX Runtime's numbers with the managed engine's to 1e-5 relative with a 1e-4 absolute floor (scaled
/// to raw units for reconstructions of standardized features), and records the largest differences for the report.
/// </summary>
internal static class Closeness
{
    public const double Relative = 1e-5, Absolute = 1e-4;

    /// <summary>Per compared quantity: the largest |a - b| / |b| where |b| &gt;= 1 (below that the floor governs) and the worst difference / tolerance.</summary>
    public static readonly SortedDictionary<string, (double Relative, double OfTolerance)> ByWhat = [];

    public static string Report() =>
        string.Join("\n", ByWhat.Select(e => $"  {e.Key}: max rel {e.Value.Relative:G3}, worst diff / tolerance {e.Value.OfTolerance:F3}"));

    public static void Assert(IReadOnlyList<float> actual, IReadOnlyList<float> expected, string what, float[]? columnScale = null)
    {
        NUnit.Framework.Assert.That(actual, Has.Count.EqualTo(expected.Count), what);
        for (int i = 0; i < expected.Count; i++)
        {
            NUnit.Framework.Assert.That(float.IsFinite(actual[i]) && float.IsFinite(expected[i]), Is.True, $"{what}[{i}]: {actual[i]} vs {expected[i]}");
            double diff = Math.Abs(actual[i] - (double)expected[i]);
            double scale = columnScale is null ? 1 : columnScale[i % columnScale.Length];
            double tolerance = Math.Max(Absolute * scale, Relative * Math.Abs(expected[i]));
            lock (ByWhat)
            {
                var w = ByWhat.GetValueOrDefault(what);
                ByWhat[what] = (Math.Abs(expected[i]) >= 1 ? Math.Max(w.Relative, diff / Math.Abs(expected[i])) : w.Relative, Math.Max(w.OfTolerance, diff / tolerance));
            }
            if (!(diff <= tolerance))
                NUnit.Framework.Assert.Fail($"{what}[{i}]: {actual[i]} vs expected {expected[i]} (diff {diff:G3}, tolerance {tolerance:G3})");
        }
    }
}
