using MlNetVae.Pipeline;

namespace MlNetVae.Cli;

/// <summary>Reads --data (CSV or IDX) for training or for a fitted model, with clear errors for missing or unknown files.</summary>
internal static class DataLoader
{
    /// <summary>Data to fit on: a CSV's schema (numeric and categorical columns) is learned from the file.</summary>
    public static VaeData ForTraining(string path, string? labels, int? keepClass, string? labelColumn) =>
        Read(path, labels, keepClass, labelColumn, schema: null);

    /// <summary>Data for a fitted model: a CSV is read with the model's schema; the feature count is checked.</summary>
    public static VaeData ForModel(VaeTransformer model, string path, string? labels, int? keepClass, string? labelColumn)
    {
        var data = Read(path, labels, keepClass, labelColumn, model.Schema);
        if (data.Features != model.Model.Features)
            throw new UsageException($"{path}: {data.Features} features per row, the model expects {model.Model.Features}");
        return data;
    }

    private static VaeData Read(string path, string? labels, int? keepClass, string? labelColumn, CsvSchema? schema)
    {
        RequireFile(path, "--data");
        if (labels is not null) RequireFile(labels, "--labels");
        if (keepClass is not null && labels is null) throw new UsageException("--class needs --labels");
        if (IsCsv(path))
        {
            if (labels is not null) throw new UsageException("--labels is for IDX images; for a CSV file use --label-column");
            return VaeData.FromCsv(path, schema, labelColumn);
        }
        if (IsIdx(path))
        {
            if (labelColumn is not null) throw new UsageException("--label-column is for CSV files; for IDX images use --labels");
            return VaeData.FromIdx(path, labels, keepClass);
        }
        throw new UsageException($"{path}: unknown data format; expected a .csv file or an IDX image file (*-idx3-ubyte, optionally .gz)");
    }

    public static void RequireFile(string path, string option)
    {
        if (Directory.Exists(path)) throw new UsageException($"{option} {path}: is a folder, expected a file");
        if (!File.Exists(path)) throw new UsageException($"{option} {path}: file not found");
    }

    private static bool IsCsv(string path) => path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    private static bool IsIdx(string path)
    {
        string name = Path.GetFileName(path);
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) name = name[..^3];
        return name.Contains("idx3-ubyte", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".idx3", StringComparison.OrdinalIgnoreCase);
    }
}
