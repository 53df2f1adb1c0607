using SkiaSharp;

namespace MlNetVae.Cli.Report;

/// <summary>Writes one drawing as a PNG.</summary>
internal static class FigureFile
{
    /// <summary>
    /// Runs <paramref name="draw"/> on a white <paramref name="width"/> x <paramref name="height"/> canvas and writes
    /// <c>{stem}.png</c> into <paramref name="folder"/>. PNG only: Skia's SVG canvas drops dash patterns (drawing dashed
    /// reference lines solid, and saying so on stderr), and the figures use dashes to mean something.
    /// </summary>
    /// <returns>The PNG file name.</returns>
    public static string Save(string folder, string stem, int width, int height, Action<SKCanvas> draw)
    {
        string png = stem + ".png";
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"cannot create a {width} x {height} drawing surface");
        surface.Canvas.Clear(SKColors.White);
        draw(surface.Canvas);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        WriteBytes(Path.Combine(folder, png), data.AsSpan());
        return png;
    }

    private static void WriteBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var file = File.Create(path);
        file.Write(bytes);
    }
}
