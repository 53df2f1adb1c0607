using System.Globalization;
using SkiaSharp;

namespace MlNetVae.Cli.Report;

/// <summary>
/// Rows of grayscale images (pixel intensities in [0, 1], row-major, height x width) drawn as a grid of tiles enlarged
/// by nearest neighbour, so every pixel stays a crisp square, with thin white separators and optional row and column
/// labels.
/// </summary>
internal static class ImageGrid
{
    private const int Scale = 3, Gap = 2, PairGap = 10, LabelSize = 13;

    /// <summary>
    /// Writes <c>{stem}.png</c>: each input above its reconstruction, up to <paramref name="columns"/> pairs per
    /// line (more wrap onto further pairs of lines).
    /// </summary>
    public static ReportFigure Reconstructions(string folder, IReadOnlyList<float[]> originals, IReadOnlyList<float[]> reconstructions, (int Height,
        int Width) shape, int columns = 10, string stem = "reconstructions")
    {
        if (originals.Count != reconstructions.Count) throw new ArgumentException($"{originals.Count} inputs but {reconstructions.Count} reconstructions");
        columns = Math.Clamp(originals.Count, 1, columns);
        var rows = new List<Row>();
        for (int start = 0; start < originals.Count; start += columns)
        {
            int n = Math.Min(columns, originals.Count - start);
            rows.Add(new Row("input", [.. originals.Skip(start).Take(n)], start == 0 ? 0 : PairGap));
            rows.Add(new Row("reconstruction", [.. reconstructions.Skip(start).Take(n)], 0));
        }
        string png = Save(folder, stem, rows, shape, columns, header: null);
        return new ReportFigure(png, "Inputs (top) and their reconstructions from the posterior mean (below): blurry reconstructions are normal for a " +
            "VAE; missing strokes or the wrong shape mean the model has not captured that kind of input.");
    }

    /// <summary>Writes <c>{stem}.png</c>: new images decoded from z ~ N(0, I), <paramref name="columns"/> per row.</summary>
    public static ReportFigure Samples(string folder, IReadOnlyList<float[]> images, (int Height, int Width) shape, int columns = 8, string stem = "samples")
    {
        columns = Math.Clamp(images.Count, 1, columns);
        var rows = images.Chunk(columns).Select(chunk => new Row(null, chunk, 0)).ToList();
        string png = Save(folder, stem, rows, shape, columns, header: null);
        return new ReportFigure(png, $"{images.Count} new images decoded from random draws of the prior N(0, I): if these look like plausible data, " +
            $"the prior and the posterior agree; smudges or mixtures of shapes mark regions of the latent space the encoder never uses.");
    }

    /// <summary>
    /// Writes <c>{stem}.png</c>: one row per latent dimension in <paramref name="dimensions"/>, whose images (row-major
    /// in <paramref name="images"/>, <paramref name="values"/>.Count per row) decode a point moved along that dimension
    /// to each of <paramref name="values"/>.
    /// </summary>
    public static ReportFigure Traversal(string folder, IReadOnlyList<float[]> images, (int Height, int Width) shape, IReadOnlyList<int> dimensions,
        IReadOnlyList<double> values, string stem = "traversal")
    {
        if (images.Count != dimensions.Count * values.Count)
            throw new ArgumentException($"{images.Count} images for {dimensions.Count} dimensions x {values.Count} values");
        var rows = dimensions.Select((d, r) => new Row($"z{d}", [.. images.Skip(r * values.Count).Take(values.Count)], 0)).ToList();
        string[] header = [.. values.Select(v => v.ToString("0.##", CultureInfo.InvariantCulture))];
        string png = Save(folder, stem, rows, shape, values.Count, header);
        return new ReportFigure(png, $"Latent traversal: each row moves one dimension ({string.Join(", ", dimensions.Select(d => $"z{d}"))}) from " +
            $"{header[0]} to {header[^1]} with the others held fixed. A dimension that changes one visible property (thickness, slant, width) is " +
                $"disentangled; a row that does not change at all is an unused dimension.");
    }

    /// <summary>
    /// Writes <c>{stem}.png</c>: each image (its score above it) over its anomaly map, the map drawn in red on the image,
    /// each map scaled to its own largest pixel; up to <paramref name="columns"/> images per line.
    /// </summary>
    public static ReportFigure AnomalyMaps(string folder, IReadOnlyList<float[]> images, IReadOnlyList<float[]> maps, IReadOnlyList<double> scores,
        (int Height, int Width) shape, int columns = 10, string stem = "anomaly-maps")
    {
        if (images.Count != maps.Count || images.Count != scores.Count)
            throw new ArgumentException($"{images.Count} images, {maps.Count} maps and {scores.Count} scores");
        columns = Math.Clamp(images.Count, 1, columns);
        var rows = new List<Row>();
        for (int start = 0; start < images.Count; start += columns)
        {
            int n = Math.Min(columns, images.Count - start);
            rows.Add(new Row("image", [.. images.Skip(start).Take(n)], start == 0 ? 0 : PairGap));
            rows.Add(new Row("anomaly map", [.. images.Skip(start).Take(n)], 0, [.. maps.Skip(start).Take(n)]));
        }
        string[] header = [.. scores.Take(columns).Select(s => s.ToString("G3", CultureInfo.InvariantCulture))];
        string png = Save(folder, stem, rows, shape, columns, header);
        return new ReportFigure(png, $"The {images.Count} images with the highest scores (the score above each), and under each its anomaly map: " +
            "each pixel's contribution to the score as the score itself counts it (the model's FeatureContributions column; for the images' " +
            "default score, the pixel's share of the 3x3-smoothed and of the unsmoothed reconstruction error), in red over the image, scaled to " +
            "the image's own largest pixel. Red marks where the image is unlike anything the model learned to reconstruct: a foreign patch, a " +
            "missing or extra part. A map red all over means the whole image is unusual, not one place in it.");
    }

    /// <summary>
    /// One line of tiles, with its label on the left and extra space above it; with <paramref name="Maps"/>, each tile shows
    /// its map in red over the image.
    /// </summary>
    private sealed record Row(string? Label, IReadOnlyList<float[]> Images, int SpaceAbove, IReadOnlyList<float[]>? Maps = null);

    private static string Save(string folder, string stem, IReadOnlyList<Row> rows, (int Height, int Width) shape, int columns, string[]? header)
    {
        foreach (var image in rows.SelectMany(r => r.Maps is null ? r.Images : r.Images.Concat(r.Maps)))
            if (image.Length != shape.Height * shape.Width) throw new ArgumentException($"an image has {image.Length} values, not {shape.Height} x " +
                $"{shape.Width}");
        using var font = new SKFont(ReportFont.Typeface(), LabelSize);
        int tileWidth = shape.Width * Scale, tileHeight = shape.Height * Scale;
        int left = rows.Any(r => r.Label is not null)
            ? (int)Math.Ceiling(rows.Max(r => r.Label is null ? 0 : font.MeasureText(r.Label))) + 3 * Gap + 6 : 0;
        int top = header is null ? 0 : LabelSize + 6;
        int width = left + columns * (tileWidth + Gap) + Gap;
        int height = top + rows.Sum(r => r.SpaceAbove + tileHeight + Gap) + Gap;

        var png = FigureFile.Save(folder, stem, width, height, canvas =>
        {
            using var text = new SKPaint { Color = new SKColor(0x30, 0x30, 0x30), IsAntialias = true };
            // Nearest neighbour keeps each data pixel a sharp block; smoothing would invent intermediate values.
            var sampling = new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None);
            if (header is not null)
                for (int c = 0; c < header.Length; c++)
                    canvas.DrawText(header[c], left + Gap + c * (tileWidth + Gap) + tileWidth / 2f, LabelSize, SKTextAlign.Center, font, text);
            int y = top + Gap;
            foreach (var row in rows)
            {
                y += row.SpaceAbove;
                if (row.Label is not null)
                    canvas.DrawText(row.Label, left - 3 * Gap, y + tileHeight / 2f + LabelSize / 3f, SKTextAlign.Right, font, text);
                for (int c = 0; c < row.Images.Count; c++)
                {
                    using var image = row.Maps is null ? Tile(row.Images[c], shape) : HeatTile(row.Images[c], row.Maps[c], shape);
                    canvas.DrawImage(image, SKRect.Create(left + Gap + c * (tileWidth + Gap), y, tileWidth, tileHeight), sampling);
                }
                y += tileHeight + Gap;
            }
        });
        return png;
    }

    /// <summary>
    /// The image in dimmed gray (so that red shows on white too) with red laid over it in proportion to
    /// <paramref name="map"/> / its largest value (negative values show none).
    /// </summary>
    private static SKImage HeatTile(float[] values, float[] map, (int Height, int Width) shape)
    {
        float max = map.Max();
        var pixels = new byte[shape.Height * shape.Width * 4];
        for (int i = 0; i < map.Length; i++)
        {
            float gray = float.IsNaN(values[i]) ? 0 : Math.Clamp(values[i], 0f, 1f) * 160f;
            float heat = max > 0 && map[i] > 0 ? map[i] / max : 0;
            pixels[4 * i] = (byte)MathF.Round(gray * (1 - heat) + 255 * heat);
            pixels[4 * i + 1] = pixels[4 * i + 2] = (byte)MathF.Round(gray * (1 - heat));
            pixels[4 * i + 3] = 255;
        }
        return SKImage.FromPixelCopy(new SKImageInfo(shape.Width, shape.Height, SKColorType.Rgba8888, SKAlphaType.Opaque), pixels)
            ?? throw new InvalidOperationException("cannot create an image tile");
    }

    private static SKImage Tile(float[] values, (int Height, int Width) shape)
    {
        var pixels = new byte[shape.Height * shape.Width];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = float.IsNaN(values[i]) ? (byte)0 : (byte)MathF.Round(Math.Clamp(values[i], 0f, 1f) * 255f);
        return SKImage.FromPixelCopy(new SKImageInfo(shape.Width, shape.Height, SKColorType.Gray8, SKAlphaType.Opaque), pixels)
            ?? throw new InvalidOperationException("cannot create an image tile");
    }
}
