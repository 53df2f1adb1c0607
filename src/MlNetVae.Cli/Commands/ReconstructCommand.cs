using System.CommandLine;
using MlNetVae.Cli.Data;
using MlNetVae.ML;
using MlNetVae.Spec;

namespace MlNetVae.Cli.Commands;

/// <summary>
/// <c>reconstruct</c>: each row decoded from its posterior mean, written as the model's own columns (a CSV model's
/// columns, categories as their most likely value; pixel_r_c for images), so the file can be scored again.
/// </summary>
internal static class ReconstructCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new ModelInput();
        var output = CommonOptions.Out("the CSV to write, in the model's columns");
        var json = CommonOptions.Json();
        var command = new Command("reconstruct", "write each row decoded from its posterior mean, in the model's columns and units") { output, json };
        input.AddTo(command);
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            Outputs.CheckFile(outPath, input.Paths(parse));
            var (model, data) = input.Load(parse);
            var writer = RowWriter.For(model);
            string column = model.Options.ReconstructionColumnName;
            var view = model.WithOptions(o => o with { OutputColumns = VaeColumns.Reconstruction }).Transform(data.View);
            long rows = 0;
            IEnumerable<IReadOnlyList<string>> Lines()
            {
                foreach (var chunk in ColumnChunks.Read(view, ColumnChunks.BlockRows, column))
                    for (int i = 0; i < chunk.Rows; i++, rows++) yield return writer.Cells(chunk.Row(column, i));
            }
            Outputs.WriteCsv(outPath, writer.Header, Lines(), console.Cancellation);
            console.Error.WriteLine($"reconstructed {rows} rows: {outPath}");
            if (parse.GetValue(json)) Outputs.Json(console, new { rows, @out = outPath });
            return 0;
        });
        return command;
    }
}
