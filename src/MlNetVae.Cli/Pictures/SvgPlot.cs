using System.Globalization;
using System.Text;
using MlNetVae.Pipeline;

namespace MlNetVae.Cli.Pictures;

/// <summary>A named series of (x, y) points.</summary>
internal sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// Hand-written SVG charts (line, bar, scatter) on one shared frame: axes with min / max tick labels and a legend.
/// No dependency, and the files open in any browser.
/// </summary>
internal static class SvgPlot
{
    private const int Width = 640, Height = 400, Left = 70, Right = 20, Top = 40, Bottom = 50;
    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>Lines, one per series.</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IReadOnlyList<Series> series)
    {
        var all = series.SelectMany(s => s.Points).ToArray();
        var frame = new Frame(all.Select(p => p.X), all.Select(p => p.Y));
        var svg = Begin(title, xLabel, yLabel, frame);
        for (int i = 0; i < series.Count; i++)
        {
            string points = string.Join(' ', series[i].Points.Select(p => $"{N(frame.X(p.X))},{N(frame.Y(p.Y))}"));
            svg.AppendLine($"<polyline fill=\"none\" stroke=\"{Palette[i % Palette.Length]}\" stroke-width=\"2\" points=\"{points}\"/>");
        }
        Legend(svg, series.Select(s => s.Name).ToArray());
        End(path, svg);
    }

    /// <summary>One bar per value, labelled by index.</summary>
    public static void Bars(string path, string title, string xLabel, string yLabel, IReadOnlyList<double> values)
    {
        var frame = new Frame([-0.5, values.Count - 0.5], values.Append(0));
        var svg = Begin(title, xLabel, yLabel, frame);
        double barWidth = (Width - Left - Right) / (double)Math.Max(1, values.Count) * 0.8;
        for (int i = 0; i < values.Count; i++)
        {
            double x = frame.X(i) - barWidth / 2, y = frame.Y(Math.Max(0, values[i])), y0 = frame.Y(Math.Min(0, values[i]));
            svg.AppendLine($"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(barWidth)}\" height=\"{N(Math.Max(0.5, y0 - y))}\" fill=\"{Palette[0]}\"><title>{i}: {N(values[i])}</title></rect>");
            if (values.Count <= 32) svg.AppendLine($"<text x=\"{N(frame.X(i))}\" y=\"{Height - Bottom + 14}\" font-size=\"10\" text-anchor=\"middle\">{i}</text>");
        }
        End(path, svg);
    }

    /// <summary>Points coloured by class (one colour when <paramref name="classes"/> is null).</summary>
    public static void Scatter(string path, string title, string xLabel, string yLabel, IReadOnlyList<(double X, double Y)> points, IReadOnlyList<int>? classes)
    {
        var frame = new Frame(points.Select(p => p.X), points.Select(p => p.Y));
        var svg = Begin(title, xLabel, yLabel, frame);
        var distinct = classes?.Distinct().Order().ToArray() ?? [0];
        for (int i = 0; i < points.Count; i++)
        {
            int colour = classes is null ? 0 : Array.IndexOf(distinct, classes[i]);
            svg.AppendLine($"<circle cx=\"{N(frame.X(points[i].X))}\" cy=\"{N(frame.Y(points[i].Y))}\" r=\"2.5\" fill=\"{Palette[colour % Palette.Length]}\" fill-opacity=\"0.7\"/>");
        }
        if (classes is not null) Legend(svg, distinct.Select(c => $"class {c}").ToArray());
        End(path, svg);
    }

    private static StringBuilder Begin(string title, string xLabel, string yLabel, Frame f)
    {
        var svg = new StringBuilder();
        svg.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\">");
        svg.AppendLine($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        svg.AppendLine($"<text x=\"{Width / 2}\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">{Escape(title)}</text>");
        svg.AppendLine($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"none\" stroke=\"#444\"/>");
        svg.AppendLine($"<text x=\"{Left}\" y=\"{Height - Bottom + 28}\" font-size=\"11\">{N(f.XMin)}</text>");
        svg.AppendLine($"<text x=\"{Width - Right}\" y=\"{Height - Bottom + 28}\" font-size=\"11\" text-anchor=\"end\">{N(f.XMax)}</text>");
        svg.AppendLine($"<text x=\"{Left - 6}\" y=\"{Height - Bottom}\" font-size=\"11\" text-anchor=\"end\">{N(f.YMin)}</text>");
        svg.AppendLine($"<text x=\"{Left - 6}\" y=\"{Top + 10}\" font-size=\"11\" text-anchor=\"end\">{N(f.YMax)}</text>");
        svg.AppendLine($"<text x=\"{(Width + Left - Right) / 2}\" y=\"{Height - 8}\" font-size=\"12\" text-anchor=\"middle\">{Escape(xLabel)}</text>");
        svg.AppendLine($"<text transform=\"translate(16,{(Height + Top - Bottom) / 2}) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">{Escape(yLabel)}</text>");
        return svg;
    }

    private static void Legend(StringBuilder svg, IReadOnlyList<string> names)
    {
        for (int i = 0; i < names.Count; i++)
        {
            int y = Top + 14 + 16 * i;
            svg.AppendLine($"<rect x=\"{Width - Right - 130}\" y=\"{y - 9}\" width=\"10\" height=\"10\" fill=\"{Palette[i % Palette.Length]}\"/>");
            svg.AppendLine($"<text x=\"{Width - Right - 115}\" y=\"{y}\" font-size=\"11\">{Escape(names[i])}</text>");
        }
    }

    private static void End(string path, StringBuilder svg)
    {
        svg.AppendLine("</svg>");
        AtomicFile.WriteText(path, writer => writer.Write(svg.ToString()));
    }

    private static string N(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text);

    /// <summary>Maps data coordinates to the plot area; a flat range is widened so nothing divides by zero.</summary>
    private sealed class Frame
    {
        public Frame(IEnumerable<double> xs, IEnumerable<double> ys)
        {
            (XMin, XMax) = Range(xs);
            (YMin, YMax) = Range(ys);
        }

        public double XMin { get; }
        public double XMax { get; }
        public double YMin { get; }
        public double YMax { get; }

        public double X(double x) => Left + (x - XMin) / (XMax - XMin) * (Width - Left - Right);

        public double Y(double y) => Height - Bottom - (y - YMin) / (YMax - YMin) * (Height - Top - Bottom);

        private static (double, double) Range(IEnumerable<double> values)
        {
            var finite = values.Where(double.IsFinite).ToArray();
            if (finite.Length == 0) return (0, 1);
            double min = finite.Min(), max = finite.Max();
            if (max - min < 1e-12) return (min - 0.5, max + 0.5);
            double pad = 0.03 * (max - min);
            return (min - pad, max + pad);
        }
    }
}
