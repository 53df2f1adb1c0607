using MlNetVae.Pipeline;

namespace MlNetVae.Cli.Pictures;

/// <summary>Rows of pixel intensities laid out as a grid of square grayscale tiles in one PNG.</summary>
internal static class ImageGrid
{
    private const int Gap = 2;

    /// <summary>The side of a square image of <paramref name="features"/> pixels (784 -> 28), or null when it is not square.</summary>
    public static int? Side(int features)
    {
        int side = (int)Math.Round(Math.Sqrt(features));
        return side >= 2 && side * side == features ? side : null;
    }

    /// <summary>Writes <paramref name="images"/> (each side x side values, clamped to [0, 1]) in rows of <paramref name="columns"/> tiles.</summary>
    public static void Save(string path, IReadOnlyList<float[]> images, int side, int columns, int scale = 2)
    {
        int rows = (images.Count + columns - 1) / columns;
        int tile = side * scale;
        int width = columns * tile + (columns + 1) * Gap, height = rows * tile + (rows + 1) * Gap;
        var pixels = new byte[width * height];
        Array.Fill(pixels, (byte)128); // a gray frame separates the tiles
        for (int i = 0; i < images.Count; i++)
        {
            int x0 = Gap + (i % columns) * (tile + Gap), y0 = Gap + (i / columns) * (tile + Gap);
            for (int y = 0; y < tile; y++)
                for (int x = 0; x < tile; x++)
                {
                    float v = Math.Clamp(images[i][(y / scale) * side + x / scale], 0f, 1f);
                    pixels[(y0 + y) * width + x0 + x] = (byte)MathF.Round(v * 255f);
                }
        }
        AtomicFile.Write(path, stream => PngWriter.Write(stream, width, height, 1, pixels));
    }
}
