using System.Globalization;
using ScottPlot;

namespace MlNetVae.Cli.Report;

/// <summary>The mean importance-weighted bound with K samples per row (K = 1 is the ELBO), with an optional spread.</summary>
/// <param name="K">Samples per row.</param>
/// <param name="Mean">The bound averaged over the rows (nats per row).</param>
/// <param name="Low">The bottom of its spread (e.g. over repeats), when known.</param>
/// <param name="High">The top of its spread, when known.</param>
internal sealed record IwaePoint(int K, double Mean, double? Low = null, double? High = null);

/// <summary>The naive estimate log mean_k p(x|z_k) with z_k drawn from the prior, at one sample count.</summary>
/// <param name="Samples">Prior samples per row.</param>
/// <param name="Mean">The estimate averaged over the rows (nats per row).</param>
/// <param name="Low">The bottom of its spread (over rows or repeats).</param>
/// <param name="High">The top of its spread.</param>
internal sealed record NaivePoint(int Samples, double Mean, double Low, double High);

/// <summary>
/// The "ELBO gap" picture. The IWAE bound L_K is a lower bound on log p(x) that rises with K, so its climb from K = 1
/// shows how loose the ELBO is; sampling z from the prior instead gives an estimate that is far too low at any
/// affordable K, because almost no prior sample explains a given x. The two differ by tens of nats while the bound
/// moves by one or two, so the figure has two panels on the same K axis: both estimators, then a zoom on the bound.
/// </summary>
internal static class ElboGap
{
    private const int Width = 1040, Height = 760, Left = 80, Right = 290, Split = 420;

    /// <summary>Writes <c>{stem}.png</c> from the bound and the naive estimate at a few sample counts each (1, 5, 50, 500 say).</summary>
    public static ReportFigure Write(string folder, IReadOnlyList<IwaePoint> iwae, IReadOnlyList<NaivePoint> naive, string stem = "elbo-gap")
    {
        if (iwae.Count == 0 || naive.Count == 0) throw new ArgumentException("need at least one IWAE point and one naive point");
        if (iwae.Concat<object>(naive).Any(p => p is IwaePoint { K: < 1 } or NaivePoint { Samples: < 1 }))
            throw new ArgumentException("sample counts must be at least 1");
        var (first, last) = (iwae.MinBy(p => p.K)!, iwae.MaxBy(p => p.K)!);
        int[] counts = [.. iwae.Select(p => p.K).Concat(naive.Select(p => p.Samples)).Distinct().Order()];

        var both = PlotStyle.Create("The IWAE bound tightens toward log p(x) as K grows;\nthe naive estimate sits far below, with a wide spread", "",
            "nats per row");
        Iwae(both, iwae, "IWAE bound L_K (K = 1: the ELBO)");
        Naive(both, naive);
        var bound = both.Add.HorizontalLine(last.Mean, 1f, PlotStyle.Palette[0], LinePattern.Dotted);
        bound.LegendText = $"log p(x) ≥ {F(last.Mean)} (K = {last.K})";
        both.Axes.Bottom.TickLabelStyle.IsVisible = false; // the zoom below carries the K labels

        var zoom = PlotStyle.Create($"Zoom on the bound: K = {first.K} → {last.K} gains {F(last.Mean - first.Mean)} nats,\nthe least by which the ELBO " +
            $"falls short of log p(x)", "K (samples per row, log scale)", "nats per row");
        Iwae(zoom, iwae, "IWAE bound L_K");

        foreach (var plot in new[] { both, zoom })
        {
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            foreach (int k in counts) ticks.AddMajor(Math.Log10(k), k.ToString(CultureInfo.InvariantCulture));
            plot.Axes.Bottom.TickGenerator = ticks;
            plot.Axes.SetLimitsX(Math.Log10(counts[0]) - 0.15, Math.Log10(counts[^1]) + 0.15);
            PlotStyle.LegendOutside(plot);
            plot.Axes.Title.Label.FontSize = 15;
        }
        both.Layout.Fixed(new PixelPadding(Left, Right, 12, 66));
        zoom.Layout.Fixed(new PixelPadding(Left, Right, 55, 66));
        var png = FigureFile.Save(folder, stem, Width, Height, canvas =>
        {
            both.Render(canvas, new PixelRect(0, Width, Split, 0));
            zoom.Render(canvas, new PixelRect(0, Width, Height, Split));
        });

        var closest = naive.MaxBy(p => p.Samples)!;
        return new ReportFigure(png,
            $"Top: the importance-weighted bound (blue) against the naive estimate that draws z from the prior (orange, band: its spread). With " +
                $"{closest.Samples} samples the naive estimate is still {F(last.Mean - closest.Mean)} nats below the bound, and a lower bound's " +
                    $"distance to log p(x) can only be larger. Bottom: the bound alone; its rise from K = {first.K} to {last.K} " +
                        $"({F(last.Mean - first.Mean)} nats) is a lower limit on how loose the ELBO is.");
    }

    private static void Iwae(Plot plot, IReadOnlyList<IwaePoint> points, string label)
    {
        var sorted = points.OrderBy(p => p.K).ToArray();
        double[] x = [.. sorted.Select(p => Math.Log10(p.K))];
        var line = plot.Add.Scatter(x, [.. sorted.Select(p => p.Mean)], PlotStyle.Palette[0]);
        line.LineWidth = 2.5f;
        line.MarkerSize = 9;
        line.LegendText = label;
        if (sorted.All(p => p.Low is not null && p.High is not null))
        {
            var bars = new ScottPlot.Plottables.ErrorBar(x, [.. sorted.Select(p => p.Mean)], null, null,
                [.. sorted.Select(p => p.High!.Value - p.Mean)], [.. sorted.Select(p => p.Mean - p.Low!.Value)])
            { Color = PlotStyle.Palette[0], LineWidth = 1.5f, CapSize = 6 };
            plot.Add.Plottable(bars);
        }
    }

    private static void Naive(Plot plot, IReadOnlyList<NaivePoint> points)
    {
        var sorted = points.OrderBy(p => p.Samples).ToArray();
        double[] x = [.. sorted.Select(p => Math.Log10(p.Samples))];
        var band = plot.Add.FillY(x, [.. sorted.Select(p => p.High)], [.. sorted.Select(p => p.Low)]);
        band.FillColor = PlotStyle.Palette[1].WithAlpha(0.22);
        band.LineWidth = 0;
        band.LegendText = "naive: spread (wide)";
        var line = plot.Add.Scatter(x, [.. sorted.Select(p => p.Mean)], PlotStyle.Palette[1]);
        line.LineWidth = 2.5f;
        line.LinePattern = LinePattern.Dashed;
        line.MarkerSize = 9;
        line.MarkerShape = MarkerShape.FilledSquare;
        line.LegendText = "naive: mean of p(x|z), z ~ prior";
    }

    private static string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
