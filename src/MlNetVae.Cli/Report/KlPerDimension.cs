using System.Globalization;
using ScottPlot;

namespace MlNetVae.Cli.Report;

/// <summary>
/// Bars of the mean KL(q(z_k|x) || N(0, 1)) of each latent dimension k; dimensions under the threshold carry no
/// information about x (the encoder outputs the prior for them) and are drawn gray as inactive.
/// </summary>
internal static class KlPerDimension
{
    private const int Width = 900, Height = 460;

    /// <summary>
    /// Writes <c>{stem}.png</c> from the mean KL of each latent dimension (nats) and the
    /// threshold below which a dimension counts as inactive.
    /// </summary>
    public static ReportFigure Write(string folder, IReadOnlyList<double> klPerDimension, double activeThreshold, string stem = "kl")
    {
        if (klPerDimension.Count == 0) throw new ArgumentException("no latent dimensions", nameof(klPerDimension));
        int active = klPerDimension.Count(v => v >= activeThreshold);
        var plot = PlotStyle.Create($"KL per latent dimension: {active} of {klPerDimension.Count} active", "latent dimension", "mean KL (nats, log scale)");
        // A log axis: inactive dimensions sit a thousand times below the active ones, and on a linear axis both they
        // and the threshold would be flat lines at zero.
        double positiveMin = klPerDimension.Where(v => v > 0).DefaultIfEmpty(activeThreshold).Min();
        int lowDecade = (int)Math.Floor(Math.Log10(Math.Max(1e-6, Math.Min(positiveMin, activeThreshold)))) - 1;
        int highDecade = (int)Math.Ceiling(Math.Log10(Math.Max(klPerDimension.Max(), activeThreshold) * 1.5));
        Color on = PlotStyle.Palette[0], off = PlotStyle.Palette[9];
        plot.Add.Bars(klPerDimension.Select((v, k) => new Bar
        {
            Position = k, ValueBase = lowDecade, Value = Math.Log10(Math.Max(v, Math.Pow(10, lowDecade))), Size = 0.75,
            FillColor = v >= activeThreshold ? on : off, LineWidth = 0,
        }).ToArray());
        plot.Add.HorizontalLine(Math.Log10(activeThreshold), 1.5f, PlotStyle.Reference, LinePattern.Dashed);

        // A bar plot has one legend entry in one colour; name both bar colours explicitly instead.
        plot.Legend.DisplayPlottableLegendItems = false;
        plot.Legend.ManualItems.AddRange(
        [
            new LegendItem { LabelText = "active", FillColor = on },
            new LegendItem { LabelText = "inactive (unused)", FillColor = off },
            new LegendItem { LabelText = $"threshold {F(activeThreshold)} nats", LineColor = PlotStyle.Reference, LineWidth = 1.5f, LinePattern = LinePattern.Dashed },
        ]);
        PlotStyle.LegendOutside(plot);

        var y = new ScottPlot.TickGenerators.NumericManual();
        for (int d = lowDecade; d <= highDecade; d++)
        {
            y.AddMajor(d, Math.Pow(10, d).ToString("0.#######", CultureInfo.InvariantCulture));
            for (int m = 2; m <= 9 && d < highDecade; m++) y.AddMinor(d + Math.Log10(m));
        }
        plot.Axes.Left.TickGenerator = y;
        int count = klPerDimension.Count, step = (count + 31) / 32;
        var x = new ScottPlot.TickGenerators.NumericManual();
        for (int k = 0; k < count; k += step) x.AddMajor(k, $"z{k}");
        plot.Axes.Bottom.TickGenerator = x;
        plot.Axes.SetLimits(-0.6, count - 0.4, lowDecade, highDecade);

        var png = FigureFile.Save(folder, stem, Width, Height, canvas => plot.Render(canvas, Width, Height));
        string caption = active == klPerDimension.Count
            ? "Mean KL of each latent dimension: every dimension carries information about the input."
            : $"Mean KL of each latent dimension: {klPerDimension.Count - active} gray bars under the dashed threshold are unused by the encoder (posterior collapse for those dimensions); a smaller latent size would do as well.";
        return new ReportFigure(png, caption);
    }

    private static string F(double value) => value.ToString("G3", CultureInfo.InvariantCulture);
}
