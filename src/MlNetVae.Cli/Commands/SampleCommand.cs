using System.CommandLine;
using MlNetVae.Cli.Report;
using MlNetVae.Inference;

namespace MlNetVae.Cli.Commands;

/// <summary><c>sample</c>: new rows decoded from z ~ N(0, I), as a PNG grid (image models) or a CSV in the model's columns.</summary>
internal static class SampleCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new ModelSource();
        var count = CommonOptions.Count("--count", 64, "how many samples");
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out("a .png grid (image models) or a .csv in the model's columns");
        var json = CommonOptions.Json();
        var command = new Command("sample", "decode new rows from the prior: a PNG grid for images, or a CSV") { count, seed, output, json };
        model.AddTo(command);
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            Outputs.CheckFile(outPath, [model.Path(parse)]);
            bool png = outPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase);
            if (!png && !outPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) throw new UsageException($"--out {outPath}: expected a .png or " +
                $".csv file name");
            int n = CommonOptions.Checked(parse, count, 1, 100_000);
            var transformer = model.Load(parse);
            var info = ModelMetadata.Of(transformer);
            int features = transformer.Model.Features;
            if (png && info.ImageShape is null)
                throw new UsageException($"--out {outPath}: a PNG grid needs an image model (trained on IDX images, or with --image-shape); this model " +
                    $"reads table rows of {features} features: write a .csv instead");
            var rows = new VaeInference(transformer.Model, transformer.Options.Threads).Generate(n, parse.GetValue(seed));
            if (png)
            {
                var images = Enumerable.Range(0, n).Select(i => rows.AsSpan(i * features, features).ToArray()).ToArray();
                var scratch = Directory.CreateTempSubdirectory("mlnetvae-sample");
                try
                {
                    var grid = ImageGrid.Samples(scratch.FullName, images, info.ImageShape!.Value, (int)Math.Ceiling(Math.Sqrt(n)), "grid");
                    var bytes = File.ReadAllBytes(Path.Combine(scratch.FullName, grid.File));
                    Output.AtomicFile.Write(outPath, stream => stream.Write(bytes), console.Cancellation);
                }
                finally
                {
                    scratch.Delete(recursive: true);
                }
            }
            else
            {
                var writer = RowWriter.For(transformer);
                Outputs.WriteCsv(outPath, writer.Header, Enumerable.Range(0, n).Select(i => writer.Cells(rows.AsSpan(i * features, features))),
                    console.Cancellation);
            }
            console.Error.WriteLine($"sampled {n} rows: {outPath}");
            if (parse.GetValue(json)) Outputs.Json(console, new { count = n, @out = outPath });
            return 0;
        });
        return command;
    }
}
