using System.Text;
using System.Text.RegularExpressions;
using SkiaSharp;

namespace MlNetVae.Cli.Report;

/// <summary>
/// Writes one drawing as a PNG and, for line art, also as an SVG: the same drawing code runs once on a raster surface
/// and once on an SVG canvas.
/// </summary>
internal static partial class FigureFile
{
    /// <summary>
    /// Runs <paramref name="draw"/> on a white <paramref name="width"/> x <paramref name="height"/> canvas and writes
    /// <c>{stem}.png</c> (and <c>{stem}.svg</c> when <paramref name="svg"/>) into <paramref name="folder"/>.
    /// </summary>
    /// <returns>The PNG file name and the SVG file name (null when none was written).</returns>
    public static (string Png, string? Svg) Save(string folder, string stem, int width, int height, bool svg, Action<SKCanvas> draw)
    {
        string png = stem + ".png";
        using (var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"cannot create a {width} x {height} drawing surface"))
        {
            surface.Canvas.Clear(SKColors.White);
            draw(surface.Canvas);
            using var image = surface.Snapshot();
            using var data = image.Encode(SKEncodedImageFormat.Png, 100);
            WriteBytes(Path.Combine(folder, png), data.AsSpan());
        }
        if (!svg) return (png, null);

        // ScottPlot keeps the axis limits of the raster render above, so the SVG shows exactly the same view.
        using var stream = new MemoryStream();
        using (var canvas = SKSvgCanvas.Create(SKRect.Create(width, height), stream))
        {
            canvas.Clear(SKColors.White);
            draw(canvas);
        } // the SVG document is complete only once its canvas is disposed
        File.WriteAllText(Path.Combine(folder, stem + ".svg"), NumberClipPaths(Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length)), new UTF8Encoding(false));
        return (png, stem + ".svg");
    }

    /// <summary>
    /// Skia names SVG clip paths from a counter shared by the whole process, so the same figure drawn twice would
    /// differ in those names alone; renaming them in order of appearance makes the file depend only on the drawing.
    /// </summary>
    private static string NumberClipPaths(string svg)
    {
        var names = new Dictionary<string, string>();
        return ClipPathName().Replace(svg, match =>
        {
            if (!names.TryGetValue(match.Value, out string? name))
                names.Add(match.Value, name = $"clip{names.Count}");
            return name;
        });
    }

    [GeneratedRegex(@"\bcl_[0-9a-f]+\b")]
    private static partial Regex ClipPathName();

    private static void WriteBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var file = File.Create(path);
        file.Write(bytes);
    }
}
