using NUnit.Framework;

namespace MlNetVae.Tests.Onnx;

/// <summary>Compares two result sets to 1e-5 relative with a 1e-4 absolute floor and records the largest differences seen.</summary>
internal static class Closeness
{
    public const double Relative = 1e-5, Absolute = 1e-4;

    /// <summary>
    /// For the report, over every comparison in this test run: the largest |a - b| (in model units for scaled columns),
    /// the largest |a - b| / |b| where |b| &gt;= 1 (below that the absolute floor governs), and the largest ratio of a
    /// difference to its tolerance (below 1 passes).
    /// </summary>
    public static double MaxAbsolute, MaxRelative, MaxOfTolerance;

    /// <summary>The same three maxima per compared quantity (the <c>what</c> of each comparison).</summary>
    public static readonly SortedDictionary<string, (double Absolute, double Relative, double OfTolerance)> ByWhat = [];

    /// <summary>One line per compared quantity with its largest differences.</summary>
    public static string Report() =>
        string.Join("\n", ByWhat.Select(e => $"  {e.Key}: max abs {e.Value.Absolute:G3}, max rel {e.Value.Relative:G3}, worst diff / tolerance {e.Value.OfTolerance:F3}"));

    public static void Assert(IReadOnlyList<double> actual, IReadOnlyList<double> expected, string what, float[]? columnScale = null)
    {
        NUnit.Framework.Assert.That(actual, Has.Count.EqualTo(expected.Count), what);
        for (int i = 0; i < expected.Count; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]);
            double scale = columnScale is null ? 1 : columnScale[i % columnScale.Length];
            double tolerance = Math.Max(Absolute * scale, Relative * Math.Abs(expected[i]));
            lock (typeof(Closeness))
            {
                MaxAbsolute = Math.Max(MaxAbsolute, diff / scale);
                if (Math.Abs(expected[i]) >= 1) MaxRelative = Math.Max(MaxRelative, diff / Math.Abs(expected[i]));
                MaxOfTolerance = Math.Max(MaxOfTolerance, diff / tolerance);
                var w = ByWhat.GetValueOrDefault(what);
                ByWhat[what] = (Math.Max(w.Absolute, diff / scale), Math.Abs(expected[i]) >= 1 ? Math.Max(w.Relative, diff / Math.Abs(expected[i])) : w.Relative, Math.Max(w.OfTolerance, diff / tolerance));
            }
            if (!(diff <= tolerance))
                NUnit.Framework.Assert.Fail($"{what}[{i}]: {actual[i]} vs expected {expected[i]} (diff {diff:G3})");
        }
    }

    /// <summary>
    /// Row sets compared elementwise. With <paramref name="columnScale"/> (raw-unit rows of a model whose Gaussian
    /// columns were standardized), the absolute floor applies in model units, i.e. it is 1e-4 * scale in raw units: a
    /// Gaussian mean of a column with standard deviation 1000 carries the decoder's float rounding times 1000.
    /// </summary>
    public static void Assert(float[][] actual, float[][] expected, string what, float[]? columnScale = null) =>
        Assert(actual.SelectMany(r => r).Select(v => (double)v).ToArray(), expected.SelectMany(r => r).Select(v => (double)v).ToArray(), what, columnScale);
}
