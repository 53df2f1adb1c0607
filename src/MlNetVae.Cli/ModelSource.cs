using System.CommandLine;
using MlNetVae.ML;

namespace MlNetVae.Cli;

/// <summary>The --model option of the commands that read a model, with --verify-key: the public key its signature must verify with.</summary>
internal sealed class ModelSource
{
    private readonly Option<string> _model = new("--model") { Description = "the model file (.zip, written by train)", Required = true };

    private readonly Option<string?> _verifyKey = new("--verify-key")
    {
        Description = "a PEM public key (ECDSA P-256): refuse the model unless it is signed (train --sign-key) by the matching private key",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_model);
        command.Options.Add(_verifyKey);
    }

    /// <summary>The model file given.</summary>
    public string Path(ParseResult parse) => parse.GetValue(_model)!;

    /// <summary>Reads the model, after checking its signature when --verify-key is given.</summary>
    public VaeTransformer Load(ParseResult parse)
    {
        using var key = parse.GetValue(_verifyKey) is string path ? PemKey.Read(path, _verifyKey.Name, signing: false) : null;
        return ModelFile.Load(Path(parse), key);
    }
}
