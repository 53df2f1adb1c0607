using System.CommandLine;
using MlNetVae.Onnx;
using MlNetVae.Pipeline;

namespace MlNetVae.Cli.Commands;

/// <summary><c>export</c>: writes encoder.onnx, decoder.onnx and scorer.onnx of a model into a folder.</summary>
internal static class ExportCommand
{
    public static Command Create(CliConsole console)
    {
        var model = CommonOptions.Model();
        var output = CommonOptions.Out("the folder to write the three ONNX files into (created if missing)");
        var json = CommonOptions.Json();
        var command = new Command("export", "write encoder.onnx, decoder.onnx and scorer.onnx") { model, output, json };
        command.SetAction(parse =>
        {
            string folder = parse.GetValue(output)!;
            Outputs.CheckFolder(folder);
            var vae = ModelInput.LoadModel(parse.GetValue(model)!).Model;
            Outputs.WriteFolder(folder, temp =>
            {
                AtomicFile.Write(Path.Combine(temp, OnnxNames.EncoderFile), s => s.Write(OnnxExport.Encoder(vae)));
                AtomicFile.Write(Path.Combine(temp, OnnxNames.DecoderFile), s => s.Write(OnnxExport.Decoder(vae)));
                AtomicFile.Write(Path.Combine(temp, OnnxNames.ScorerFile), s => s.Write(OnnxExport.Scorer(vae)));
            });
            console.Error.WriteLine($"exported {OnnxNames.EncoderFile}, {OnnxNames.DecoderFile}, {OnnxNames.ScorerFile} to {folder}");
            if (parse.GetValue(json)) Outputs.Json(console, new { @out = folder, files = new[] { OnnxNames.EncoderFile, OnnxNames.DecoderFile, OnnxNames.ScorerFile } });
            return 0;
        });
        return command;
    }
}
