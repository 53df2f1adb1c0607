using System.CommandLine;
using MlNetVae.Cli.Output;
using MlNetVae.Onnx;

namespace MlNetVae.Cli.Commands;

/// <summary><c>export</c>: writes encoder.onnx, decoder.onnx and scorer.onnx of a model into a folder (onnx/CONTRACT.md).</summary>
internal static class ExportCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new ModelSource();
        var output = CommonOptions.Out("the folder to write the three ONNX files into (created if missing)");
        var json = CommonOptions.Json();
        var command = new Command("export", "write encoder.onnx, decoder.onnx and scorer.onnx") { output, json };
        model.AddTo(command);
        command.SetAction(parse =>
        {
            string folder = parse.GetValue(output)!;
            Outputs.CheckFolder(folder);
            var transformer = model.Load(parse);
            var vae = transformer.Model;
            var scorer = new ScorerExportOptions(transformer.AnomalyScore, (float)transformer.Threshold.Value);
            AtomicFolder.Write(folder, temp =>
            {
                File.WriteAllBytes(Path.Combine(temp, OnnxNames.EncoderFile), OnnxExport.Encoder(vae));
                File.WriteAllBytes(Path.Combine(temp, OnnxNames.DecoderFile), OnnxExport.Decoder(vae));
                File.WriteAllBytes(Path.Combine(temp, OnnxNames.ScorerFile), OnnxExport.Scorer(vae, scorer));
            }, console.Cancellation);
            console.Error.WriteLine($"exported {OnnxNames.EncoderFile}, {OnnxNames.DecoderFile}, {OnnxNames.ScorerFile} to {folder}");
            if (parse.GetValue(json)) Outputs.Json(console, new
            {
                @out = folder, files = new[] { OnnxNames.EncoderFile, OnnxNames.DecoderFile,
                OnnxNames.ScorerFile }
            });
            return 0;
        });
        return command;
    }
}
