using System.CommandLine;
using MlNetVae.Cli.Pictures;

namespace MlNetVae.Cli.Commands;

/// <summary><c>sample</c>: new rows decoded from z ~ N(0, I), as a PNG grid (square feature counts) or a CSV.</summary>
internal static class SampleCommand
{
    public static Command Create(CliConsole console)
    {
        var model = CommonOptions.Model();
        var count = CommonOptions.Positive("--count", 64, "how many samples");
        var seed = new Option<int>("--seed") { Description = "seed of the draws", DefaultValueFactory = _ => 1 };
        var output = CommonOptions.Out("a .png grid (image models: square feature count, e.g. 784 = 28x28) or a .csv");
        var json = CommonOptions.Json();
        var command = new Command("sample", "decode new rows from the prior: a PNG grid for images, or a CSV") { model, count, seed, output, json };
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            Outputs.CheckFile(outPath);
            bool png = outPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase);
            if (!png && !outPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) throw new UsageException($"--out {outPath}: expected a .png or .csv file name");
            var transformer = ModelInput.LoadModel(parse.GetValue(model)!);
            int features = transformer.Model.Features, n = parse.GetValue(count);
            int? side = ImageGrid.Side(features);
            if (png && side is null) throw new UsageException($"--out {outPath}: a PNG grid needs a square feature count (like 784 = 28x28), the model has {features}; write a .csv instead");
            var rows = transformer.Sample(n, parse.GetValue(seed));
            if (png) ImageGrid.Save(outPath, rows, side!.Value, columns: (int)Math.Ceiling(Math.Sqrt(n)));
            else Outputs.WriteCsv(outPath, transformer.FeatureNames.ToArray(), n, (r, cells) => cells.AddRange(rows[r].Select(Outputs.Number)));
            console.Error.WriteLine($"sampled {n} rows: {outPath}");
            if (parse.GetValue(json)) Outputs.Json(console, new { count = n, @out = outPath });
            return 0;
        });
        return command;
    }
}
