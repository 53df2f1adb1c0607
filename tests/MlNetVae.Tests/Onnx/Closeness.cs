using NUnit.Framework;

namespace MlNetVae.Tests.Onnx;

/// <summary>Compares two result sets to 1e-5 relative with a 1e-4 absolute floor and records the largest differences seen.</summary>
internal static class Closeness
{
    public const double Relative = 1e-5, Absolute = 1e-4;

    /// <summary>Largest |a - b| and |a - b| / |b| over every comparison in this test run, for the report.</summary>
    public static double MaxAbsolute, MaxRelative;

    public static void Assert(IReadOnlyList<double> actual, IReadOnlyList<double> expected, string what, float[]? columnScale = null)
    {
        NUnit.Framework.Assert.That(actual, Has.Count.EqualTo(expected.Count), what);
        for (int i = 0; i < expected.Count; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]);
            lock (typeof(Closeness))
            {
                MaxAbsolute = Math.Max(MaxAbsolute, diff);
                if (expected[i] != 0) MaxRelative = Math.Max(MaxRelative, diff / Math.Abs(expected[i]));
            }
            double floor = Absolute * (columnScale is null ? 1 : columnScale[i % columnScale.Length]);
            if (!(diff <= Math.Max(floor, Relative * Math.Abs(expected[i]))))
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
