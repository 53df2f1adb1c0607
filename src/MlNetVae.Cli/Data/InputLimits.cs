using System.Globalization;

namespace MlNetVae.Cli.Data;

/// <summary>
/// The sizes the CLI accepts from its inputs, each checked before the memory it governs is allocated, so that no file
/// decides how much memory a command takes beyond what these bounds allow. (The record length is
/// <see cref="CsvRecords.MaxRecordBytes"/>, the IDX data size <see cref="IdxFile.MaxBytes"/>, the category count per
/// column <see cref="CsvSchema.CategoryLimit"/>.)
/// </summary>
internal static class InputLimits
{
    /// <summary>
    /// Features per row: numeric columns plus one-hot slots, or pixels per image (128 x 128). The dense VAE the
    /// defaults give such rows (400 hidden) has 13 million parameters, about 210 MB with its gradients and Adam's moments;
    /// <c>train</c> on a 3-row table of 16,000 columns peaks at 786 MB (measured), and one of 150,000 columns at 5.5 GB.
    /// </summary>
    public const int MaxFeatures = 16_384;

    /// <summary>
    /// The longest category or label name, in characters: longer cells are free text, not categories. With
    /// <see cref="MaxFeatures"/> it bounds the distinct strings schema inference keeps to about 64 MB.
    /// </summary>
    public const int MaxCategoryLength = 1_024;

    /// <summary>Rows x features that <c>train</c> may hold in memory: 2^28 float32 values, 1 GiB.</summary>
    public const long MaxTrainingValues = 1L << 28;

    /// <summary>Values in one block of rows a command streams (64 MiB of float32): wide rows stream in smaller blocks.</summary>
    private const int BlockValues = 1 << 24;

    /// <summary>Rows per streamed block for rows of <paramref name="features"/> values: at most <paramref name="max"/>, at least 1.</summary>
    public static int BlockRows(int features, int max) => Math.Clamp(BlockValues / Math.Max(1, features), 1, max);

    /// <summary>
    /// Refuses more features per row than <see cref="MaxFeatures"/>; <paramref name="why"/> says where they come from,
    /// as the start of a sentence the count completes ("line 1 names 150,000 columns: at least").
    /// </summary>
    public static void CheckFeatures(string source, long features, string why)
    {
        if (features > MaxFeatures)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{source}: {why} {features:N0} features per row; the limit is {MaxFeatures:N0} (the default network trains on that many in under 1 GB " +
                    $"of memory; more take gigabytes)"));
    }

    /// <summary>Refuses training data larger than <see cref="MaxTrainingValues"/>, before it is read into memory.</summary>
    public static void CheckTrainingSize(string source, long rows, int features)
    {
        if (rows * features > MaxTrainingValues)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{source}: {rows:N0} rows x {features:N0} features = {rows * features:N0} values, more than the {MaxTrainingValues:N0} (1 GiB of " +
                    $"float32) train holds in memory; train on a sample of the rows"));
    }
}
