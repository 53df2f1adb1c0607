using System.Globalization;
using ScottPlot;

namespace MlNetVae.Cli.Report;

/// <summary>
/// Bars of the mean KL(q(z_k|x) || N(0, 1)) of each latent dimension k, gray for the inactive ones: those whose posterior
/// mean hardly varies across the rows (the library's definition, <c>LatentDiagnostics</c>), so they carry no
/// information about x.
/// </summary>
internal static class KlPerDimension
{
    private const int Width = 900, Height = 460;

    /// <summary>Writes <c>{stem}.png</c> from the mean KL of each latent dimension (nats) and whether each is active.</summary>
    public static ReportFigure Write(string folder, IReadOnlyList<double> klPerDimension, IReadOnlyList<bool> isActive, string stem = "kl")
    {
        if (klPerDimension.Count == 0) throw new ArgumentException("no latent dimensions", nameof(klPerDimension));
        if (isActive.Count != klPerDimension.Count) throw new ArgumentException($"{isActive.Count} activity flags for {klPerDimension.Count} " +
            $"dimensions", nameof(isActive));
        int active = isActive.Count(a => a);
        var plot = PlotStyle.Create($"KL per latent dimension: {active} of {klPerDimension.Count} active", "latent dimension", "mean KL (nats, log scale)");
        // A log axis: inactive dimensions sit a thousand times below the active ones, and on a linear axis they would
        // be flat lines at zero.
        double positiveMin = klPerDimension.Where(v => v > 0).DefaultIfEmpty(1e-3).Min();
        int lowDecade = (int)Math.Floor(Math.Log10(Math.Max(1e-6, positiveMin))) - 1;
        int highDecade = (int)Math.Ceiling(Math.Log10(Math.Max(klPerDimension.Max(), 1e-3) * 1.5));
        Color on = PlotStyle.Palette[0], off = PlotStyle.Palette[9];
        plot.Add.Bars(klPerDimension.Select((v, k) => new Bar
        {
            Position = k, ValueBase = lowDecade, Value = Math.Log10(Math.Max(v, Math.Pow(10, lowDecade))), Size = 0.75,
            FillColor = isActive[k] ? on : off, LineWidth = 0,
        }).ToArray());

        // A bar plot has one legend entry in one colour; name both bar colours explicitly instead.
        plot.Legend.DisplayPlottableLegendItems = false;
        plot.Legend.ManualItems.AddRange(
        [
            new LegendItem { LabelText = "active", FillColor = on },
            new LegendItem { LabelText = "inactive (mean barely varies)", FillColor = off },
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
            : $"Mean KL of each latent dimension: the {klPerDimension.Count - active} gray bars are dimensions whose posterior mean barely varies " +
                $"across the rows, unused by the encoder (posterior collapse for those dimensions); a smaller latent size would do as well.";
        return new ReportFigure(png, caption);
    }
}
