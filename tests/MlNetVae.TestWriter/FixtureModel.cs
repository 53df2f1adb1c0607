using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Cli;
using MlNetVae.Cli.Data;

namespace MlNetVae.TestWriter;

/// <summary>
/// Writes tests/reference/fixtures-ml once: data.csv (numeric and categorical columns), model.zip trained on it by the
/// CLI, and expected.json with each row's Score and PredictedLabel as the model computes them when loaded by the CLI
/// (managed engine) and by <c>mlContext.Model.Load</c> (ONNX Runtime). Later builds must load and score it identically.
/// </summary>
public static class FixtureModel
{
    public const string Data = "data.csv", Model = "model.zip", Expected = "expected.json";

    /// <summary>What expected.json holds: cells in round-trip form.</summary>
    public sealed record Scores(string Threshold, string[] ManagedScore, bool[] ManagedLabel, string[] OnnxScore, bool[] OnnxLabel);

    public static int Write(string folder)
    {
        Directory.CreateDirectory(folder);
        string data = Path.Combine(folder, Data), model = Path.Combine(folder, Model);
        File.WriteAllText(data, Csv(rows: 80));
        var error = new StringWriter();
        int code = CliApp.Run(["train", "--data", data, "--out", model, "--hidden", "6", "--latent", "2", "--epochs", "4", "--batch", "16", "--threads", "1", "--contamination", "0.1"],
            Console.Out, error, stderrIsTerminal: false);
        if (code != 0) throw new InvalidOperationException($"training the fixture failed ({code}): {error}");
        File.WriteAllText(Path.Combine(folder, Expected), JsonSerializer.Serialize(Compute(folder), new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>The fixture's scores as this build computes them.</summary>
    public static Scores Compute(string folder)
    {
        string data = Path.Combine(folder, Data), model = Path.Combine(folder, Model);
        var transformer = ModelFile.Load(model);
        var rows = Dataset.Open(data, null, null, null, ModelMetadata.Of(transformer).Csv).View;
        var managed = transformer.Transform(rows);
        var ml = new MLContext(seed: 1);
        var reloaded = ml.Model.Load(model, out _).Transform(rows);
        string name = transformer.Options.ScoreColumnName, label = transformer.Options.PredictedLabelColumnName;
        return new Scores(transformer.Threshold.Value.ToString("R", CultureInfo.InvariantCulture),
            managed.GetColumn<float>(name).Select(ViewDump.Number).ToArray(), managed.GetColumn<bool>(label).ToArray(),
            reloaded.GetColumn<float>(name).Select(ViewDump.Number).ToArray(), reloaded.GetColumn<bool>(label).ToArray());
    }

    /// <summary>Sensor-like rows: two correlated readings, a third, a site (categorical); the last rows are off the pattern.</summary>
    private static string Csv(int rows)
    {
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string> { "temperature,site,pressure,flow" };
        uint state = 12345;
        double Next() => (state = state * 1664525 + 1013904223) / 4294967296.0 - 0.5; // a fixed LCG: the file is checked in anyway
        string[] sites = ["north", "south", "east"];
        for (int r = 0; r < rows; r++)
        {
            double t = 20 + 4 * Next(), shift = r % 3 * 0.5;
            double p = 2 * t + shift + 0.2 * Next(), f = 10 - 0.3 * t + 0.1 * Next();
            if (r >= rows - 4) (p, f) = (p - 15, f + 6); // anomalies
            lines.Add(string.Join(',', t.ToString("0.###", c), sites[r % 3], p.ToString("0.###", c), f.ToString("0.###", c)));
        }
        return string.Join('\n', lines) + "\n";
    }
}
