using ScottPlot;

namespace MlNetVae.Cli.Report;

/// <summary>The look shared by every report plot: font, sizes, gridlines, colours and a legend outside the data.</summary>
internal static class PlotStyle
{
    /// <summary>Tableau 10: distinct hues that stay apart for the common kinds of colour blindness.</summary>
    public static readonly Color[] Palette =
    [
        Color.FromHex("#4E79A7"), Color.FromHex("#F28E2B"), Color.FromHex("#59A14F"), Color.FromHex("#E15759"),
        Color.FromHex("#B07AA1"), Color.FromHex("#76B7B2"), Color.FromHex("#EDC948"), Color.FromHex("#FF9DA7"),
        Color.FromHex("#9C755F"), Color.FromHex("#BAB0AC"),
    ];

    /// <summary>Dark gray for reference marks (thresholds, the prior, the chance line) so they never look like data.</summary>
    public static readonly Color Reference = Color.FromHex("#404040");

    /// <summary>A plot with the house style, a title and axis labels.</summary>
    public static Plot Create(string title, string xLabel, string yLabel)
    {
        ReportFont.UseInScottPlot();
        var plot = new Plot();
        // Panels of one figure share a canvas; clearing it per plot would erase the panels drawn before.
        plot.RenderManager.ClearCanvasBeforeEachRender = false;
        plot.Title(title);
        plot.Axes.Title.Label.FontSize = 17;
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        foreach (var axis in plot.Axes.GetAxes())
        {
            axis.Label.FontSize = 14;
            axis.Label.Bold = false;
            axis.TickLabelStyle.FontSize = 12;
        }
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.12);
        plot.Grid.MinorLineColor = Colors.Black.WithAlpha(0.04);
        plot.Grid.MinorLineWidth = 1;
        plot.Legend.FontSize = 12;
        return plot;
    }

    /// <summary>Puts the legend in a panel beside the data area, so that it can never cover a point.</summary>
    public static void LegendOutside(Plot plot, Edge edge = Edge.Right)
    {
        var panel = plot.ShowLegend(edge);
        panel.Alignment = edge is Edge.Right or Edge.Left ? Alignment.UpperCenter : Alignment.MiddleCenter;
        plot.Legend.OutlineColor = Colors.Transparent;
        plot.Legend.ShadowColor = Colors.Transparent;
    }

    /// <summary>A feature name short enough for an axis or a legend.</summary>
    public static string Short(string name) => name.Length <= 28 ? name : name[..27] + "...";

    /// <summary>Integer-only ticks on an axis whose values are counts such as epochs.</summary>
    public static void IntegerTicks(IAxis axis) =>
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
}
