using MlNetVae.Spec;

namespace MlNetVae.Graph;

/// <summary>
/// The features a row's score is explained over (the FeatureContributions column): for tables the model's input columns,
/// each numeric column one feature and each one-hot group of a categorical column one feature; for images the pixels,
/// a pixel's channels together (row-major, pixel r * width + c). Per-column values become per-feature values by summing
/// the columns of each feature, so a feature's contribution is the sum of its columns' terms.
/// </summary>
internal static class ExplainedFeatures
{
    /// <summary>F, the number of explained features of a model of <paramref name="spec"/>.</summary>
    public static int Count(VaeSpec spec) => IsImage(spec, out var image) ? image.Height * image.Width
        : spec.Features - spec.Layout.Blocks.Where(b => b.Kind == FeatureKind.Categorical).Sum(b => b.Length - 1);

    /// <summary>Values per input column, [rows, D], summed per explained feature: [rows, F].</summary>
    public static T Group<T>(IOps<T> o, VaeSpec spec, T perColumn) where T : class
    {
        var blocks = spec.Layout.Blocks;
        if (blocks.Count == 1 && blocks[0].Kind != FeatureKind.Categorical) return SumChannels(o, spec, perColumn);
        var parts = new T[blocks.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            var columns = o.Columns(perColumn, blocks[i].Start, blocks[i].Length);
            parts[i] = blocks[i].Kind == FeatureKind.Categorical ? o.RowSum(columns) : columns;
        }
        return SumChannels(o, spec, o.ConcatColumns(parts));
    }

    /// <summary>
    /// Values with one-hot groups already summed, [rows, F] for tables, and [rows, C * H * W] for images, whose channels
    /// are summed here into [rows, H * W].
    /// </summary>
    public static T SumChannels<T>(IOps<T> o, VaeSpec spec, T perFeature) where T : class
    {
        if (!IsImage(spec, out var image) || image.Channels == 1) return perFeature;
        int pixels = image.Height * image.Width;
        var sum = o.Columns(perFeature, 0, pixels);
        for (int c = 1; c < image.Channels; c++) sum = o.Add(sum, o.Columns(perFeature, c * pixels, pixels));
        return sum;
    }

    /// <summary>True for image rows without one-hot groups (an image shape with categorical columns is explained as a table).</summary>
    private static bool IsImage(VaeSpec spec, out (int Channels, int Height, int Width) image)
    {
        image = spec.Image ?? default;
        return spec.Image is not null && spec.Layout.Blocks.All(b => b.Kind != FeatureKind.Categorical);
    }
}
