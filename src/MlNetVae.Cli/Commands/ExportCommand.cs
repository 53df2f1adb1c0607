using System.CommandLine;
using MlNetVae.Cli.Output;
using MlNetVae.Onnx;

namespace MlNetVae.Cli.Commands;

/// <summary><c>export</c>: writes encoder.onnx, decoder.onnx and scorer.onnx of a model into a folder (onnx/CONTRACT.md).</summary>
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
            var transformer = ModelInput.LoadModel(parse.GetValue(model)!);
            var vae = transformer.Model;
            var scorer = new ScorerExportOptions(transformer.AnomalyScore, (float)transformer.Threshold.Value);
            Outputs.WriteFolder(folder, temp =>
            {
                AtomicFile.Write(Path.Combine(temp, OnnxNames.EncoderFile), s => s.Write(OnnxExport.Encoder(vae)));
                AtomicFile.Write(Path.Combine(temp, OnnxNames.DecoderFile), s => s.Write(OnnxExport.Decoder(vae)));
                AtomicFile.Write(Path.Combine(temp, OnnxNames.ScorerFile), s => s.Write(OnnxExport.Scorer(vae, scorer)));
            });
            console.Error.WriteLine($"exported {OnnxNames.EncoderFile}, {OnnxNames.DecoderFile}, {OnnxNames.ScorerFile} to {folder}");
            if (parse.GetValue(json)) Outputs.Json(console, new { @out = folder, files = new[] { OnnxNames.EncoderFile, OnnxNames.DecoderFile, OnnxNames.ScorerFile } });
            return 0;
        });
        return command;
    }
}
