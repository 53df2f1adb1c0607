using System.Globalization;
using MlNetVae.TestWriter;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>How two dumps of the same view differ: the largest relative difference and how many numbers differ at all.</summary>
internal sealed record Differences(double MaxRelative, int Numbers, int NotBitIdentical, int LabelsFlippedNearThreshold);

/// <summary>Compares two <see cref="ViewDump.Table"/>s: the same schema, numbers to float32 rounding, flags equal away from the threshold.</summary>
internal static class Tables
{
    public const double Relative = 1e-5;

    public static Differences Compare(ViewDump.Table expected, ViewDump.Table actual, string scoreColumn, string labelColumn, double threshold)
    {
        Assert.That(actual.Schema, Is.EqualTo(expected.Schema), "column names, types, hidden flags and order");
        Assert.That(actual.Rows, Has.Length.EqualTo(expected.Rows.Length), "rows");
        var names = expected.Schema.Select(c => c.Name).ToList();
        int score = names.LastIndexOf(scoreColumn), label = names.LastIndexOf(labelColumn);
        double worst = 0;
        int numbers = 0, differing = 0, flipped = 0;
        for (int r = 0; r < expected.Rows.Length; r++)
            for (int c = 0; c < expected.Schema.Length; c++)
            {
                string e = expected.Rows[r][c], a = actual.Rows[r][c];
                if (c == label && e != a)
                {
                    double s = double.Parse(expected.Rows[r][score], CultureInfo.InvariantCulture);
                    Assert.That(Math.Abs(s - threshold), Is.LessThanOrEqualTo(Relative * Math.Max(1, Math.Abs(threshold))),
                        $"row {r}: {labelColumn} {e} vs {a} with score {s}, not near the threshold {threshold}");
                    flipped++;
                    continue;
                }
                if (e is "True" or "False") { Assert.That(a, Is.EqualTo(e), $"row {r}, column {expected.Schema[c].Name}"); continue; }
                var ev = Numbers(e);
                var av = Numbers(a);
                Assert.That(av, Has.Length.EqualTo(ev.Length), $"row {r}, column {expected.Schema[c].Name}: width");
                for (int i = 0; i < ev.Length; i++)
                {
                    numbers++;
                    if (BitConverter.SingleToInt32Bits(ev[i]) == BitConverter.SingleToInt32Bits(av[i])) continue;
                    differing++;
                    double rel = Math.Abs(ev[i] - av[i]) / Math.Max(1, Math.Max(Math.Abs(ev[i]), Math.Abs(av[i])));
                    worst = Math.Max(worst, rel);
                    Assert.That(rel, Is.LessThanOrEqualTo(Relative), $"row {r}, column {expected.Schema[c].Name}[{i}]: {ev[i]:R} vs {av[i]:R}");
                }
            }
        return new Differences(worst, numbers, differing, flipped);
    }

    private static float[] Numbers(string cell) => cell.Length == 0 ? [] : cell.Split(' ').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}
