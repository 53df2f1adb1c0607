using System.Globalization;
using ScottPlot;

namespace MlNetVae.Cli.Report;

/// <summary>
/// The distribution of anomaly scores with the threshold as a vertical line. With labels, normal and anomalous rows
/// are two overlaid semi-transparent histograms, each scaled to its own class: anomalies are usually a few percent of
/// the rows, and on a shared count axis their bars would be too low to see.
/// </summary>
internal static class ScoreHistogram
{
    private const int Width = 900, Height = 480;

    /// <summary>
    /// Writes <c>{stem}.png</c> from one score per row (higher is more unusual), the threshold
    /// (a row is flagged when its score is above it) and, optionally, each row's label (true for an anomaly).
    /// </summary>
    public static ReportFigure Write(string folder, IReadOnlyList<double> scores, double threshold, IReadOnlyList<bool>? isAnomaly = null,
        string stem = "scores")
    {
        if (scores.Count == 0) throw new ArgumentException("no scores", nameof(scores));
        if (isAnomaly is not null && isAnomaly.Count != scores.Count) throw new ArgumentException($"{scores.Count} scores but {isAnomaly.Count} labels");
        int flagged = scores.Count(s => s > threshold);
        var plot = PlotStyle.Create($"Anomaly scores: {flagged} of {scores.Count} rows above the threshold",
            "anomaly score (higher = more unusual)", isAnomaly is null ? "rows" : "share of the class's rows");

        // Scores with a tail many times wider than their bulk (images: normal rows near 0, other classes at 1e5) would
        // put most rows into one bar; such a plot is drawn on a signed log axis instead, labelled in score units.
        var axis = ScoreAxis.For(scores);
        double cut = axis.Map(threshold);
        var mapped = scores.Select(axis.Map).ToArray();
        double low = Math.Min(mapped.Min(), cut), high = Math.Max(mapped.Max(), cut);
        int bins = Bins(scores.Count);
        double width = high > low ? (high - low) / bins : 1;
        string caption;
        if (isAnomaly is null)
        {
            Histogram(plot, mapped, low, width, bins, PlotStyle.Palette[0], "rows", perClass: false);
            caption = $"Distribution of anomaly scores; the {flagged} rows right of the dashed threshold ({F(threshold)}) are flagged as anomalous. A " +
                $"long right tail or a second hump is where the unusual rows are.";
        }
        else
        {
            var normal = mapped.Where((_, i) => !isAnomaly[i]).ToArray();
            var anomalous = mapped.Where((_, i) => isAnomaly[i]).ToArray();
            Histogram(plot, normal, low, width, bins, PlotStyle.Palette[0], $"normal ({normal.Length})", perClass: true);
            Histogram(plot, anomalous, low, width, bins, PlotStyle.Palette[3], $"anomalous ({anomalous.Length})", perClass: true);
            int caught = anomalous.Count(s => s > cut), falseAlarms = normal.Count(s => s > cut);
            caption = $"Scores of normal (blue) and anomalous (red) rows, each scaled to its own class. The less the two overlap, the better the score " +
                $"separates them: {caught} of {anomalous.Length} anomalies lie right of the dashed threshold ({F(threshold)}), and {falseAlarms} of " +
                    $"{normal.Length} normal rows do (false alarms).";
        }
        var line = plot.Add.VerticalLine(cut, 2f, PlotStyle.Reference, LinePattern.Dashed);
        line.LegendText = $"threshold {F(threshold)}";
        if (axis.Logarithmic)
        {
            caption += " The score axis is a signed log scale (each labelled step is ten times the score): on a linear one most rows would share one bar.";
            plot.XLabel("anomaly score (higher = more unusual; signed log scale)");
            plot.Axes.Bottom.TickGenerator = axis.Ticks(low - width, high + width);
        }
        plot.Axes.SetLimitsX(low - width, high + width);
        plot.Axes.Margins(bottom: 0); // bars stand on the axis
        PlotStyle.LegendOutside(plot);

        var png = FigureFile.Save(folder, stem, Width, Height, canvas => plot.Render(canvas, Width, Height));
        return new ReportFigure(png, caption);
    }

    private static void Histogram(Plot plot, IReadOnlyList<double> values, double low, double width, int bins, Color color, string label, bool perClass)
    {
        var counts = new int[bins];
        foreach (double v in values) counts[Math.Clamp((int)((v - low) / width), 0, bins - 1)]++;
        double scale = perClass && values.Count > 0 ? 1.0 / values.Count : 1;
        var bars = plot.Add.Bars(counts.Select((c, b) => new Bar
        {
            Position = low + (b + 0.5) * width, Value = c * scale, Size = width,
            FillColor = color.WithAlpha(perClass ? 0.55 : 0.85), LineColor = color, LineWidth = 0.5f,
        }).ToArray());
        bars.LegendText = label;
    }

    /// <summary>
    /// The score axis: linear, or sign(s) log10(1 + |s|) when linear bins would pile more than a quarter of the rows
    /// into one bar across a range wider than 10 (monotone, so the threshold still splits the bars where it splits the rows).
    /// </summary>
    private sealed record ScoreAxis(bool Logarithmic)
    {
        public static ScoreAxis For(IReadOnlyList<double> scores)
        {
            double low = scores.Min(), high = scores.Max();
            if (high - low <= 10) return new ScoreAxis(false);
            int bins = Bins(scores.Count);
            var counts = new int[bins];
            foreach (double v in scores) counts[Math.Min((int)((v - low) / (high - low) * bins), bins - 1)]++;
            return new ScoreAxis(counts.Max() > scores.Count / 4);
        }

        public double Map(double s) => Logarithmic ? Math.Sign(s) * Math.Log10(1 + Math.Abs(s)) : s;

        /// <summary>Ticks at 0 and ±1, 2, 5 x 10^e in [low, high] (mapped units), labelled in score units; only ±10^e when there are many decades.</summary>
        public ScottPlot.TickGenerators.NumericManual Ticks(double low, double high)
        {
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            ticks.AddMajor(0, "0");
            int[] steps = high - low > 3 ? [1] : [1, 2, 5];
            for (int e = 0; e <= 15; e++)
                foreach (int step in steps)
                    foreach (int sign in new[] { -1, 1 })
                    {
                        double score = sign * step * Math.Pow(10, e), x = Map(score);
                        if (x >= low && x <= high) ticks.AddMajor(x, score.ToString("#,0", CultureInfo.InvariantCulture));
                    }
            return ticks;
        }
    }

    /// <summary>About the square root of the row count, 10 to 50 bars.</summary>
    private static int Bins(int rows) => Math.Clamp((int)Math.Round(Math.Sqrt(rows)), 10, 50);

    private static string F(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
