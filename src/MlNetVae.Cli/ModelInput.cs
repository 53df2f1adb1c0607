using System.CommandLine;
using MlNetVae.Pipeline;

namespace MlNetVae.Cli;

/// <summary>The --model and --data options (with --labels, --class, --label-column) of the commands that apply a model to rows.</summary>
internal sealed class ModelInput
{
    private readonly Option<string> _model = CommonOptions.Model();
    private readonly Option<string> _data = CommonOptions.Data();
    private readonly Option<string?> _labels = CommonOptions.Labels();
    private readonly Option<int?> _class = CommonOptions.Class();
    private readonly Option<string?> _labelColumn = CommonOptions.LabelColumn();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _model, _data, _labels, _class, _labelColumn }) command.Options.Add(option);
    }

    /// <summary>Loads the model, then the data with the model's schema.</summary>
    public (VaeTransformer Model, VaeData Data) Load(ParseResult parse)
    {
        var model = LoadModel(parse.GetValue(_model)!);
        var data = DataLoader.ForModel(model, parse.GetValue(_data)!, parse.GetValue(_labels), parse.GetValue(_class), parse.GetValue(_labelColumn));
        return (model, data);
    }

    /// <summary>Reads a .vae file; a missing file is a usage error.</summary>
    public static VaeTransformer LoadModel(string path)
    {
        DataLoader.RequireFile(path, "--model");
        return VaeTransformer.Load(path);
    }
}
