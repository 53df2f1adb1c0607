using System.CommandLine;
using System.Globalization;
using MlNetVae.Cli.Data;
using MlNetVae.ML;
using MlNetVae.Spec;

namespace MlNetVae.Cli.Commands;

/// <summary><c>embed</c>: each row's posterior mean, <c>row,z0,z1,...</c>, from the transformer's LatentMean column, streamed.</summary>
internal static class EmbedCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new ModelInput();
        var output = CommonOptions.Out("the CSV to write: row,z0,z1,...");
        var json = CommonOptions.Json();
        var command = new Command("embed", "write each row's latent posterior mean") { output, json };
        input.AddTo(command);
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            Outputs.CheckFile(outPath, input.Paths(parse));
            var (model, data) = input.Load(parse);
            int k = model.Model.LatentSize;
            string column = model.Options.LatentMeanColumnName;
            var view = model.WithOptions(o => o with { OutputColumns = VaeColumns.LatentMean }).Transform(data.View);
            long rows = 0;
            IEnumerable<IReadOnlyList<string>> Lines()
            {
                foreach (var chunk in ColumnChunks.Read(view, ColumnChunks.BlockRows, column))
                    for (int i = 0; i < chunk.Rows; i++, rows++)
                        yield return [(chunk.FirstRow + i).ToString(CultureInfo.InvariantCulture), .. chunk.Row(column, i).ToArray().Select(Outputs.Number)];
            }
            Outputs.WriteCsv(outPath, ["row", .. Enumerable.Range(0, k).Select(j => $"z{j}")], Lines(), console.Cancellation);
            console.Error.WriteLine($"embedded {rows} rows into {k} dimensions: {outPath}");
            if (parse.GetValue(json)) Outputs.Json(console, new { rows, latent_size = k, @out = outPath });
            return 0;
        });
        return command;
    }
}
