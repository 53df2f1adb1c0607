using System.CommandLine;

namespace MlNetVae.Cli.Commands;

/// <summary><c>reconstruct</c>: each row decoded from its posterior mean, in original units, <c>row,x0,x1,...</c>.</summary>
internal static class ReconstructCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new ModelInput();
        var output = CommonOptions.Out("the CSV to write: row,x0,x1,...");
        var json = CommonOptions.Json();
        var command = new Command("reconstruct", "write each row decoded from its posterior mean, in original units") { output, json };
        input.AddTo(command);
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            Outputs.CheckFile(outPath);
            var (model, data) = input.Load(parse);
            var x = model.Reconstruct(data);
            var header = new[] { "row" }.Concat(Enumerable.Range(0, model.Model.Features).Select(j => $"x{j}")).ToArray();
            Outputs.WriteCsv(outPath, header, x.Length, (r, cells) =>
            {
                cells.Add(r.ToString());
                cells.AddRange(x[r].Select(Outputs.Number));
            });
            console.Error.WriteLine($"reconstructed {x.Length} rows: {outPath}");
            if (parse.GetValue(json)) Outputs.Json(console, new { rows = x.Length, features = model.Model.Features, @out = outPath });
            return 0;
        });
        return command;
    }
}
