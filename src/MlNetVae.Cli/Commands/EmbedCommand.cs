using System.CommandLine;

namespace MlNetVae.Cli.Commands;

/// <summary><c>embed</c>: each row's posterior mean, <c>row,z0,z1,...</c>.</summary>
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
            Outputs.CheckFile(outPath);
            var (model, data) = input.Load(parse);
            var z = model.Encode(data);
            var header = new[] { "row" }.Concat(Enumerable.Range(0, model.Model.LatentSize).Select(j => $"z{j}")).ToArray();
            Outputs.WriteCsv(outPath, header, z.Length, (r, cells) =>
            {
                cells.Add(r.ToString());
                cells.AddRange(z[r].Select(Outputs.Number));
            });
            console.Error.WriteLine($"embedded {z.Length} rows into {model.Model.LatentSize} dimensions: {outPath}");
            if (parse.GetValue(json)) Outputs.Json(console, new { rows = z.Length, latent_size = model.Model.LatentSize, @out = outPath });
            return 0;
        });
        return command;
    }
}
