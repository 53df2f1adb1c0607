using System.Globalization;
using ScottPlot;

namespace MlNetVae.Cli.Report;

/// <summary>One epoch of training, each term averaged per row, in nats.</summary>
/// <param name="Epoch">The epoch number (1 for the first).</param>
/// <param name="Reconstruction">The reconstruction term, -E_q[log p(x|z)]: positive, lower is better.</param>
/// <param name="Kl">KL(q(z|x) || p(z)).</param>
/// <param name="NegElbo">The negative ELBO on the training rows: <paramref name="Reconstruction"/> + <paramref name="Kl"/>.</param>
/// <param name="Loss">The minimised loss (with the KL weight beta and any warm-up); equal to <paramref name="NegElbo"/> when beta = 1.</param>
/// <param name="ValidationNegElbo">The negative ELBO on held-out rows, when there are any.</param>
internal sealed record EpochStats(int Epoch, double Reconstruction, double Kl, double NegElbo, double Loss, double? ValidationNegElbo = null);

/// <summary>
/// Training curves in two stacked panels on one epoch axis: -ELBO, loss and reconstruction on top, KL below. KL is
/// tens of times smaller than the reconstruction term, so on a shared axis its rise (the model starting to use its
/// latent space) would be a flat line at zero.
/// </summary>
internal static class TrainingCurves
{
    private const int Width = 900, Height = 660, Left = 80, Right = 230, Split = 400;

    /// <summary>Writes <c>{stem}.png</c> into <paramref name="folder"/> from one entry per epoch, in order.</summary>
    public static ReportFigure Write(string folder, IReadOnlyList<EpochStats> epochs, string stem = "training")
    {
        if (epochs.Count == 0) throw new ArgumentException("no epochs to plot", nameof(epochs));
        double[] x = [.. epochs.Select(e => (double)e.Epoch)];
        var (top, bottom) = (Terms(epochs, x), KlPanel(epochs, x));
        double first = x[0], last = x[^1] > x[0] ? x[^1] : x[0] + 1;
        foreach (var plot in new[] { top, bottom })
        {
            plot.Axes.SetLimitsX(first, last);
            PlotStyle.IntegerTicks(plot.Axes.Bottom);
        }
        // Fixed padding, the same left and right for both panels, lines up their epoch axes exactly.
        top.Layout.Fixed(new PixelPadding(Left, Right, 12, 48));
        bottom.Layout.Fixed(new PixelPadding(Left, Right, 55, 12));
        var png = FigureFile.Save(folder, stem, Width, Height, canvas =>
        {
            top.Render(canvas, new PixelRect(0, Width, Split, 0));
            bottom.Render(canvas, new PixelRect(0, Width, Height, Split));
        });

        var (a, b) = (epochs[0], epochs[^1]);
        string validation = epochs.Any(e => e.ValidationNegElbo is not null) ? " A validation curve that turns up while training keeps falling means " +
            "overfitting." : "";
        return new ReportFigure(png,
            $"Per-epoch averages over {epochs.Count} epochs: -ELBO went from {F(a.NegElbo)} to {F(b.NegElbo)} nats per row, and the gap between -ELBO " +
                $"and the reconstruction term is the KL, plotted on its own axis below. KL that stays near 0 means the decoder ignores z (posterior " +
                    $"collapse).{validation}");
    }

    private static Plot Terms(IReadOnlyList<EpochStats> epochs, double[] x)
    {
        var plot = PlotStyle.Create("Training curves (per row, averaged over each epoch)", "", "nats");
        plot.Axes.Bottom.TickLabelStyle.IsVisible = false; // the KL panel below carries the epoch labels
        // When beta = 1 the loss is the -ELBO and a second line would hide exactly under the first: say so instead.
        bool lossIsElbo = epochs.All(e => Math.Abs(e.Loss - e.NegElbo) <= 1e-9 * Math.Max(1, Math.Abs(e.NegElbo)));
        Line(plot, x, epochs.Select(e => e.NegElbo), lossIsElbo ? "train −ELBO (= loss)" : "train −ELBO", PlotStyle.Palette[0], 2.5f);
        if (!lossIsElbo)
            Line(plot, x, epochs.Select(e => e.Loss), "training loss (β-weighted)", PlotStyle.Palette[1], 2f, LinePattern.Dashed);
        var validated = epochs.Where(e => e.ValidationNegElbo is not null).ToArray();
        if (validated.Length > 0)
            Line(plot, [.. validated.Select(e => (double)e.Epoch)], validated.Select(e => e.ValidationNegElbo!.Value), "validation −ELBO",
                PlotStyle.Palette[2], 2.5f);
        Line(plot, x, epochs.Select(e => e.Reconstruction), "reconstruction term", PlotStyle.Palette[4], 2f, LinePattern.DenselyDashed);
        PlotStyle.LegendOutside(plot);

        // The first epochs often start several times higher than where training settles; an axis scaled to them
        // squeezes the part people read (still improving? validation turning up?) into a thin strip. Scale to the
        // epochs after the first tenth instead and let the start run off the top, saying so on the axis.
        double[] all = [.. epochs.SelectMany(Values)];
        double[] tail = [.. epochs.Skip(Math.Max(1, epochs.Count / 10)).SelectMany(Values)];
        if (tail.Length > 0 && all.Max() - all.Min() > 2 * (tail.Max() - all.Min()))
        {
            double low = all.Min(), high = tail.Max(), pad = 0.08 * (high - low);
            plot.Axes.SetLimitsY(low - pad, high + 2 * pad);
            plot.YLabel("nats (first epochs run off the top)");
        }
        return plot;
    }

    private static Plot KlPanel(IReadOnlyList<EpochStats> epochs, double[] x)
    {
        var plot = PlotStyle.Create("", "epoch", "KL (nats)");
        Line(plot, x, epochs.Select(e => e.Kl), "KL(q(z|x) ‖ p(z))", PlotStyle.Palette[3], 2.5f);
        double max = epochs.Max(e => e.Kl);
        plot.Axes.SetLimitsY(0, max > 0 ? max * 1.1 : 1); // KL is never negative: start the axis at 0 so its size reads true
        PlotStyle.LegendOutside(plot);
        return plot;
    }

    private static IEnumerable<double> Values(EpochStats e) =>
        e.ValidationNegElbo is { } v ? [e.NegElbo, e.Loss, e.Reconstruction, v] : [e.NegElbo, e.Loss, e.Reconstruction];

    private static void Line(Plot plot, double[] x, IEnumerable<double> y, string label, Color color, float width, LinePattern? pattern = null)
    {
        var line = plot.Add.ScatterLine(x, [.. y], color);
        line.LegendText = label;
        line.LineWidth = width;
        line.MarkerSize = x.Length <= 12 ? 6 : 0; // few epochs: dots show where the values are (and one epoch is no line at all)
        if (pattern is { } p) line.LinePattern = p;
    }

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
