using System.CommandLine;
using MlNetVae.Cli.Report;

namespace MlNetVae.Cli.Commands;

/// <summary><c>report</c>: pictures of a model on a data set, in a folder with one index.html.</summary>
internal static class ReportCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new ModelInput();
        var output = CommonOptions.Out("the folder to write (created if missing)");
        var json = CommonOptions.Json();
        var command = new Command("report", "write training curves, KL per dimension, the latent scatter, score histogram and ROC, the ELBO gap and " +
            "(images) reconstructions, samples and a traversal, with index.html") { output, json };
        input.AddTo(command);
        command.SetAction(parse =>
        {
            string folder = parse.GetValue(output)!;
            Outputs.CheckFolder(folder);
            var (model, data) = input.Load(parse);
            IReadOnlyList<string> files = [];
            Output.AtomicFolder.Write(folder, temp => files = ModelReport.Write(model, data, temp, console.Cancellation), console.Cancellation);
            console.Error.WriteLine($"report: {Path.Combine(folder, "index.html")} ({files.Count} files)");
            if (parse.GetValue(json)) Outputs.Json(console, new { @out = folder, files });
            return 0;
        });
        return command;
    }
}
