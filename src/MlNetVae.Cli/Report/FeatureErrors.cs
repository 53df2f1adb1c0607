using System.Globalization;
using ScottPlot;

namespace MlNetVae.Cli.Report;

/// <summary>
/// The table counterpart of the image grids: for each feature, how far the reconstructions miss the inputs, as the mean
/// absolute error over the rows in units of the feature's own standard deviation (so sensors in volts and in bars
/// compare), drawn as horizontal bars named after the features, the worst at the top.
/// </summary>
internal static class FeatureErrors
{
    private const int Width = 900, MaxBars = 25, BarHeight = 22, Margins = 130;

    /// <summary>
    /// The mean absolute error of each feature of <paramref name="rows"/> (flat [n, D]) against
    /// <paramref name="reconstructions"/>, divided by the feature's standard deviation over the rows (a constant
    /// feature is divided by 1).
    /// </summary>
    public static double[] Standardized(ReadOnlySpan<float> rows, ReadOnlySpan<float> reconstructions, int features)
    {
        int n = rows.Length / features;
        var errors = new double[features];
        for (int j = 0; j < features; j++)
        {
            double mean = 0, error = 0;
            for (int i = 0; i < n; i++) mean += rows[i * features + j];
            mean /= n;
            double variance = 0;
            for (int i = 0; i < n; i++)
            {
                double x = rows[i * features + j];
                variance += (x - mean) * (x - mean);
                error += Math.Abs(x - reconstructions[i * features + j]);
            }
            double sd = Math.Sqrt(variance / n);
            errors[j] = error / n / (sd > 0 ? sd : 1);
        }
        return errors;
    }

    /// <summary>Writes <c>{stem}.png</c>: the <see cref="MaxBars"/> largest of <paramref name="errors"/> (one per feature, from <see
    /// cref="Standardized"/>), named by <paramref name="names"/>.</summary>
    public static ReportFigure Write(string folder, IReadOnlyList<string> names, IReadOnlyList<double> errors, int rows, string stem = "features")
    {
        if (errors.Count == 0 || names.Count != errors.Count) throw new ArgumentException($"{names.Count} names for {errors.Count} feature errors");
        var worst = Enumerable.Range(0, errors.Count).OrderByDescending(j => errors[j]).ThenBy(j => j).Take(MaxBars).ToArray();
        string shown = worst.Length < errors.Count ? $"the {worst.Length} largest of {errors.Count}" : $"all {errors.Count}";
        var plot = PlotStyle.Create($"Reconstruction error per feature ({shown})", "mean |input - reconstruction| / the feature's standard deviation", "");
        // The worst feature at the top: position 0 is the bottom bar.
        var bars = plot.Add.Bars(worst.Select((j, r) => new Bar
        {
            Position = worst.Length - 1 - r, Value = errors[j], Size = 0.7, FillColor = PlotStyle.Palette[0], LineWidth = 0,
        }).ToArray());
        bars.Horizontal = true;
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int r = 0; r < worst.Length; r++) ticks.AddMajor(worst.Length - 1 - r, PlotStyle.Short(names[worst[r]]));
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimits(0, Math.Max(errors.Max() * 1.1, 1e-6), -0.6, worst.Length - 0.4);
        int height = Margins + worst.Length * BarHeight;
        var png = FigureFile.Save(folder, stem, Width, height, canvas => plot.Render(canvas, Width, height));
        var top = worst[0];
        return new ReportFigure(png, string.Create(CultureInfo.InvariantCulture,
            $"How far the reconstructions of {rows} rows miss each feature, in units of the feature's standard deviation ({shown} shown). The longest " +
                $"bars, led by {names[top]} ({errors[top]:0.##}), are what the model reproduces worst: rows unusual in those features get high scores. " +
                    $"Near 0.8 is no better than guessing the feature's mean (for normally distributed values); near 0 the model has learned the " +
                        $"feature from the others."));
    }
}
