using ScottPlot;

namespace MlNetVae.Cli.Report;

/// <summary>
/// Posterior means on two latent dimensions, one colour per class, over the prior's 1-sigma and 2-sigma circles drawn
/// to equal scale on both axes, so that "inside the prior" reads at a glance.
/// </summary>
internal static class LatentScatter
{
    private const int Width = 820, Height = 640;

    /// <summary>
    /// Writes <c>{stem}.png</c> from the points' coordinates on latent dimensions <paramref name="dimX"/> and
    /// <paramref name="dimY"/> and, optionally, each point's class as text (a class name from the data, else its number).
    /// </summary>
    public static ReportFigure Write(string folder, IReadOnlyList<double> x, IReadOnlyList<double> y, int dimX, int dimY,
        IReadOnlyList<string>? classes = null, string stem = "latent")
    {
        var plot = Build(x, y, dimX, dimY, classes);
        // No SVG: thousands of points make a slow, heavy file that shows nothing the PNG does not.
        var png = FigureFile.Save(folder, stem, Width, Height, canvas => plot.Render(canvas, Width, Height));
        string byClass = classes is null ? "" : " Classes that form separate clusters are told apart by the encoder without ever seeing the labels.";
        return new ReportFigure(png,
            $"Posterior means of {x.Count} rows on z{dimX} and z{dimY}, the two dimensions with the most KL. Dashed circles: the prior N(0, I) at 1σ " +
                $"and 2σ (39% and 86% of its mass); points far outside them are rows encoded far from where the prior puts its mass.{byClass}");
    }

    /// <summary>The plot itself, for tests that check its layout.</summary>
    internal static Plot Build(IReadOnlyList<double> x, IReadOnlyList<double> y, int dimX, int dimY, IReadOnlyList<string>? classes)
    {
        if (x.Count != y.Count || (classes is not null && classes.Count != x.Count))
            throw new ArgumentException("x, y and classes must have one entry per point");
        var plot = PlotStyle.Create($"Latent space: posterior means ({x.Count} rows)", $"z{dimX}", $"z{dimY}");

        var rows = Enumerable.Range(0, x.Count);
        // The biggest class is drawn first so that the rare ones (often the anomalies) stay visible on top of it.
        var groups = classes is null ? [rows.ToArray()]
            : rows.GroupBy(i => classes[i]).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToArray()).ToArray();
        // The legend's own markers would be as small as the points; these are larger, so the colours read at a glance.
        var legend = new List<LegendItem>();
        for (int g = 0; g < groups.Length; g++)
        {
            var members = groups[g];
            var color = PlotStyle.Palette[g % PlotStyle.Palette.Length];
            var points = plot.Add.ScatterPoints(members.Select(i => x[i]).ToArray(), members.Select(i => y[i]).ToArray(), color.WithAlpha(0.65));
            points.MarkerSize = x.Count > 3000 ? 3 : 5;
            points.MarkerShape = MarkerShape.FilledCircle;
            if (classes is not null)
                legend.Add(new LegendItem
                {
                    LabelText = $"{classes[members[0]]} ({members.Length})", MarkerShape = MarkerShape.FilledCircle,
                    MarkerSize = 10, MarkerColor = color
                });
        }

        for (int sigma = 1; sigma <= 2; sigma++)
        {
            var circle = plot.Add.Circle(0, 0, sigma);
            circle.LineColor = PlotStyle.Reference;
            circle.LineWidth = 1.5f;
            circle.LinePattern = LinePattern.Dashed;
            circle.FillColor = Colors.Transparent;
        }
        legend.Add(new LegendItem
        {
            LabelText = "prior N(0, I): 1σ, 2σ", LineColor = PlotStyle.Reference, LineWidth = 1.5f, LinePattern = LinePattern.Dashed,
        });
        plot.Legend.DisplayPlottableLegendItems = false;
        plot.Legend.ManualItems.AddRange(legend);
        plot.Axes.SquareUnits();
        // Equal scaling makes the y range tall; the default density would label every 0.2 and crowd the axis.
        foreach (var axis in new IAxis[] { plot.Axes.Left, plot.Axes.Bottom })
            axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { TickDensity = 0.6 };
        PlotStyle.LegendOutside(plot);
        return plot;
    }
}
