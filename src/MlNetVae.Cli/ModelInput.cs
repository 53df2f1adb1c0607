using System.CommandLine;
using MlNetVae.Cli.Data;
using MlNetVae.ML;

namespace MlNetVae.Cli;

/// <summary>The --model and --data options (with --verify-key, --labels, --class, --label-column) of the commands that apply a model to rows.</summary>
internal sealed class ModelInput
{
    private readonly ModelSource _model = new();
    private readonly Option<string> _data = CommonOptions.Data();
    private readonly Option<string?> _labels = CommonOptions.Labels();
    private readonly Option<int?> _class = CommonOptions.Class();
    private readonly Option<string?> _labelColumn = CommonOptions.LabelColumn();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        _model.AddTo(command);
        foreach (var option in new Option[] { _data, _labels, _class, _labelColumn }) command.Options.Add(option);
    }

    /// <summary>The input paths given, for the check that no output overwrites them.</summary>
    public string?[] Paths(ParseResult parse) => [_model.Path(parse), parse.GetValue(_data), parse.GetValue(_labels)];

    /// <summary>Loads the model, then the data read the way the model was trained (its CSV schema, its image size).</summary>
    public (VaeTransformer Model, Dataset Data) Load(ParseResult parse)
    {
        var model = _model.Load(parse);
        var info = ModelMetadata.Of(model);
        var data = Dataset.Open(parse.GetValue(_data)!, parse.GetValue(_labels), parse.GetValue(_class), parse.GetValue(_labelColumn), info.Csv);
        if (data.Csv is null && info.Csv is not null) throw new UsageException($"--data {data.Source}: the model was trained on CSV data, not images");
        if (data.Features != model.Model.Features)
            throw new UsageException($"--data {data.Source}: {data.Features} features per row, the model expects {model.Model.Features}");
        return (model, data);
    }
}

/// <summary>What the CLI saves with a model besides the model itself: how its data was read.</summary>
/// <param name="Csv">The CSV schema, or null for image models.</param>
/// <param name="ImageShape">(height, width) of one-channel image models: trained on IDX images, or with an image shape set.
/// Only then are rows images: a table with 4, 9 or 16 features is still a table.</param>
/// <param name="ClassNames">Label i's name, when the training labels had names.</param>
internal sealed record ModelMetadata(CsvSchema? Csv, (int Height, int Width)? ImageShape, IReadOnlyList<string>? ClassNames)
{
    private const string CsvKey = "csv_schema", ImageKey = "image_shape";

    /// <summary>The metadata entries for a model trained on <paramref name="data"/>.</summary>
    public static Dictionary<string, string> For(Dataset data)
    {
        var m = new Dictionary<string, string>();
        if (data.Csv is not null) m[CsvKey] = data.Csv.ToJson();
        if (data.ImageShape is var (h, w)) m[ImageKey] = $"{h}x{w}";
        return m;
    }

    /// <summary>Reads the entries back; a model without them (saved by a library user) is read as plain rows.</summary>
    public static ModelMetadata Of(VaeTransformer model)
    {
        var csv = model.Metadata.TryGetValue(CsvKey, out var json) ? CsvSchema.FromJson(json) : null;
        (int, int)? image = null;
        if (model.Metadata.TryGetValue(ImageKey, out var shape))
        {
            var parts = shape.Split('x');
            if (parts.Length != 2 || !int.TryParse(parts[0], out int h) || !int.TryParse(parts[1],
                out int w) || h < 1 || w < 1 || (long)h * w != model.Model.Features)
                throw new InvalidDataException($"the model's image shape {Excerpt.Quoted(shape)} does not fit its {model.Model.Features} features");
            image = (h, w);
        }
        else if (model.Options.ImageShape is { Length: 2 } or [1, _, _]) image = (model.Options.ImageShape[^2], model.Options.ImageShape[^1]);
        if (csv is not null && csv.FeatureNames.Count != model.Model.Features)
            throw new InvalidDataException($"the model's CSV schema has {csv.FeatureNames.Count} features, the model {model.Model.Features}");
        return new ModelMetadata(csv, image, csv?.Label is { Categories.Length: > 0 } label ? label.Categories : null);
    }

    /// <summary>
    /// The names of the features a FeatureContributions row explains (<paramref name="count"/> of them): the CSV's
    /// columns (a categorical column once), pixel_r_c for images, f0.. otherwise.
    /// </summary>
    public IReadOnlyList<string> ExplainedNames(int count)
    {
        var columns = Csv?.Columns.Where(c => c.Kind != CsvColumnKind.Label).Select(c => c.Name).ToArray();
        if (columns is not null && columns.Length == count) return columns;
        return ImageShape is var (h, w) && h * w == count ? Enumerable.Range(0, count).Select(i => $"pixel_{i / w}_{i % w}").ToArray()
            : Enumerable.Range(0, count).Select(i => $"f{i}").ToArray();
    }

    /// <summary>The feature names: the CSV's, pixel_r_c for images, f0.. otherwise.</summary>
    public IReadOnlyList<string> FeatureNames(int features) =>
        Csv?.FeatureNames ?? (ImageShape is var (_, w) ? Enumerable.Range(0, features).Select(i => $"pixel_{i / w}_{i % w}").ToArray()
            : Enumerable.Range(0, features).Select(i => $"f{i}").ToArray());
}
