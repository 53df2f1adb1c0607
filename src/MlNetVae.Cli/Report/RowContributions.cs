using System.Globalization;
using ScottPlot;

namespace MlNetVae.Cli.Report;

/// <summary>
/// Why the most anomalous table rows were flagged: one horizontal bar per row, its score split into what each feature
/// contributes (the model's FeatureContributions) and the part no feature owns (LatentContribution), stacked so that the
/// bar ends at the row's score. The features that contribute most over these rows get colours, the rest share one grey.
/// </summary>
internal static class RowContributions
{
    private const int Width = 1000, BarHeight = 34, Margins = 150, Coloured = 7;
    private static readonly Color Other = Color.FromHex("#BAB0AC"), Latent = Color.FromHex("#404040");

    /// <summary>One row to draw: its index in the data, its score, its features' contributions [F] and its latent part.</summary>
    public sealed record Row(long Index, double Score, float[] Features, float Latent);

    /// <summary>Writes <c>{stem}.png</c> for <paramref name="rows"/> (most anomalous first), features named by <paramref name="names"/>.</summary>
    public static ReportFigure Write(string folder, IReadOnlyList<string> names, IReadOnlyList<Row> rows, string stem = "contributions")
    {
        if (rows.Count == 0 || rows.Any(r => r.Features.Length != names.Count))
            throw new ArgumentException($"{rows.Count} rows of contributions for {names.Count} features");
        // The features that weigh most over these rows (their positive contributions summed), each in its own colour.
        var coloured = Enumerable.Range(0, names.Count).OrderByDescending(j => rows.Sum(r => Math.Max(0, r.Features[j]))).ThenBy(j => j)
            .Take(Math.Min(Coloured, names.Count)).ToArray();
        var others = Enumerable.Range(0, names.Count).Except(coloured).ToArray();
        var parts = coloured.Select((j, c) => (Label: PlotStyle.Short(names[j]), Color: PlotStyle.Palette[c], Value: (Func<Row, double>)(r => r.Features[j])))
            .Append(("the other features", Other, r => others.Sum(j => (double)r.Features[j])))
            .Append(("no feature's (the latent code's)", Latent, r => r.Latent))
            .Where(p => others.Length > 0 || p.Item1 != "the other features").ToArray();

        var plot = PlotStyle.Create($"What the {rows.Count} highest-scoring rows owe their scores to", "contribution to the score", "");
        var bars = new List<Bar>();
        for (int i = 0; i < rows.Count; i++)
        {
            // Positive parts stack rightwards from 0, negative ones leftwards, so the bar's net length is the score.
            double right = 0, left = 0;
            foreach (var (_, color, value) in parts)
            {
                double v = value(rows[i]);
                if (v == 0) continue;
                double start = v > 0 ? right : left;
                if (v > 0) right += v; else left += v;
                bars.Add(new Bar { Position = rows.Count - 1 - i, ValueBase = start, Value = start + v, Size = 0.7, FillColor = color, LineWidth = 0 });
            }
        }
        plot.Add.Bars(bars).Horizontal = true;
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < rows.Count; i++)
            ticks.AddMajor(rows.Count - 1 - i, string.Create(CultureInfo.InvariantCulture, $"row {rows[i].Index} ({rows[i].Score:G4})"));
        plot.Axes.Left.TickGenerator = ticks;
        plot.Legend.DisplayPlottableLegendItems = false;
        plot.Legend.ManualItems.AddRange(parts.Select(p => new LegendItem { LabelText = p.Label, FillColor = p.Color }));
        PlotStyle.LegendOutside(plot);
        plot.Axes.Margins(horizontal: 0.05, vertical: 0.02);

        int height = Margins + rows.Count * BarHeight;
        var png = FigureFile.Save(folder, stem, Width, height, canvas => plot.Render(canvas, Width, height));
        var top = rows[0];
        int lead = Array.IndexOf(top.Features, top.Features.Max());
        string owes = string.Create(CultureInfo.InvariantCulture, $"the top row owes {top.Features[lead]:G3} of its {top.Score:G4} to {names[lead]}");
        return new ReportFigure(png, $"The {rows.Count} rows with the highest scores (row number and score on the left), each bar split into what " +
            "each feature contributes to the score as the score's own formula splits it (the model's FeatureContributions column: per feature its " +
            "reconstruction term, or its share of it), plus the part that belongs to no feature (the latent code's, dark grey); the parts add " +
            $"up to the score. A bar that is mostly one colour is a row broken in that one feature: {owes}. Many small parts mean the row is " +
            "unusual as a whole.");
    }
}
