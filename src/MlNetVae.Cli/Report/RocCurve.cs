using System.Globalization;
using MlNetVae.Inference;
using ScottPlot;

namespace MlNetVae.Cli.Report;

/// <summary>
/// The ROC curve of an anomaly score against labels: for every threshold, the share of anomalies caught against the
/// share of normal rows flagged, with the area under it (AUROC) and the diagonal that random scores would follow.
/// </summary>
internal static class RocCurve
{
    // Fixed padding around a square data area: both rates run from 0 to 1 and should look it.
    private const int Left = 75, Right = 25, Top = 45, Bottom = 120, Side = 540, Width = Left + Side + Right, Height = Top + Side + Bottom;

    /// <summary>
    /// Writes <c>{stem}.png</c> from one score per row (higher is more unusual) and each row's
    /// label (true for an anomaly); when <paramref name="threshold"/> is given, its operating point is marked.
    /// </summary>
    public static ReportFigure Write(string folder, IReadOnlyList<double> scores, IReadOnlyList<bool> isAnomaly, double? threshold = null, string stem = "roc")
    {
        var (fpr, tpr) = Roc.Curve(scores, isAnomaly);
        double auroc = Roc.Area(fpr, tpr);
        var plot = PlotStyle.Create($"ROC curve: AUROC = {auroc.ToString("0.000", CultureInfo.InvariantCulture)}",
            "false-positive rate (normal rows flagged)", "true-positive rate (anomalies caught)");
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LineColor = PlotStyle.Reference;
        chance.LinePattern = LinePattern.Dashed;
        chance.LineWidth = 1.5f;
        chance.LegendText = "chance (AUROC 0.5)";
        var curve = plot.Add.ScatterLine(fpr, tpr, PlotStyle.Palette[0]);
        curve.LineWidth = 2.5f;
        curve.LegendText = $"anomaly score (AUROC {auroc.ToString("0.000", CultureInfo.InvariantCulture)})";
        string at = "";
        if (threshold is { } t)
        {
            int positives = isAnomaly.Count(a => a), negatives = isAnomaly.Count - positives;
            double x = scores.Where((s, i) => !isAnomaly[i] && s > t).Count() / (double)negatives;
            double y = scores.Where((s, i) => isAnomaly[i] && s > t).Count() / (double)positives;
            var point = plot.Add.Marker(x, y, MarkerShape.FilledCircle, 11, PlotStyle.Palette[3]);
            point.LegendText = $"threshold {t.ToString("G4", CultureInfo.InvariantCulture)}";
            at = string.Create(CultureInfo.InvariantCulture, $" The red dot is the threshold: it catches {100 * y:0}% of anomalies at {100 * x:0.#}% " +
                $"false alarms.");
        }
        plot.Axes.SetLimits(-0.02, 1.02, -0.02, 1.02);
        foreach (var axis in new IAxis[] { plot.Axes.Left, plot.Axes.Bottom })
        {
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            for (int i = 0; i <= 10; i++) ticks.AddMajor(i / 10.0, (i / 10.0).ToString("0.#", CultureInfo.InvariantCulture));
            for (int i = 1; i < 20; i += 2) ticks.AddMinor(i / 20.0);
            axis.TickGenerator = ticks;
        }
        plot.Layout.Fixed(new PixelPadding(Left, Right, Bottom, Top));
        PlotStyle.LegendOutside(plot, Edge.Bottom);

        var png = FigureFile.Save(folder, stem, Width, Height, canvas => plot.Render(canvas, Width, Height));
        return new ReportFigure(png,
            $"How well the score ranks anomalies above normal rows at every possible threshold: a curve hugging the top-left corner is a good " +
                $"detector, the dashed diagonal is guessing. AUROC {auroc.ToString("0.000", CultureInfo.InvariantCulture)} is the chance that a random " +
                    $"anomaly scores above a random normal row.{at}");
    }
}
