using System.CommandLine;
using System.Diagnostics;
using MlNetVae.Cli.Demo;
using MlNetVae.Scoring;
using MlNetVae.Cli.Pictures;
using MlNetVae.Onnx;
using MlNetVae.Pipeline;
using MlNetVae.Vae;

namespace MlNetVae.Cli.Commands;

/// <summary>
/// <c>demo</c>: no arguments, no download. Generates the built-in sensor table, trains on normal rows, calibrates the
/// threshold on held-out normal rows, scores test rows with known anomalies, prints the AUROC, and writes the data,
/// the model, its ONNX files, the scores and a report into one folder.
/// </summary>
internal static class DemoCommand
{
    private const string Label = "anomaly";

    public static Command Create(CliConsole console)
    {
        var output = new Option<string>("--out") { Description = "the folder to write", DefaultValueFactory = _ => "mlnetvae-demo" };
        var epochs = CommonOptions.Positive("--epochs", 40, "training epochs");
        var json = CommonOptions.Json();
        var command = new Command("demo", "train on a built-in sensor table with known anomalies; print the AUROC; write model, ONNX files and report") { output, epochs, json };
        command.SetAction(parse =>
        {
            string folder = parse.GetValue(output)!;
            Outputs.CheckFolder(folder);
            var clock = Stopwatch.StartNew();
            var summary = new Dictionary<string, object?>();
            Outputs.WriteFolder(folder, temp => Run(console, temp, parse.GetValue(epochs), summary));
            summary["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2);
            summary["folder"] = Path.GetFullPath(folder);
            console.Error.WriteLine($"demo done in {clock.Elapsed.TotalSeconds:F1} s; open {Path.Combine(folder, "report", "index.html")}");
            if (parse.GetValue(json)) Outputs.Json(console, summary);
            else console.Out.WriteLine($"AUROC {summary["auroc"]:F4} on {summary["test_rows"]} test rows ({summary["test_anomalies"]} known anomalies); written to {Path.GetFullPath(folder)}");
            return 0;
        });
        return command;
    }

    private static void Run(CliConsole console, string folder, int epochs, Dictionary<string, object?> summary)
    {
        string train = Path.Combine(folder, "train.csv"), calibration = Path.Combine(folder, "calibration.csv"), test = Path.Combine(folder, "test.csv");
        SensorData.WriteCsv(train, rows: 4000, anomalies: 0, seed: 1, labelColumn: null);
        SensorData.WriteCsv(calibration, rows: 1000, anomalies: 0, seed: 2, labelColumn: null);
        SensorData.WriteCsv(test, rows: 950, anomalies: 50, seed: 3, labelColumn: Label);
        console.Error.WriteLine($"data: {train} (4000 normal rows), {calibration} (1000 normal rows), {test} (1000 rows, 50 known anomalies)");

        var options = new VaeOptions
        {
            EncoderHidden = [64, 32], LatentSize = 4, Likelihood = LikelihoodKind.Gaussian, Epochs = epochs, BatchSize = 64,
            LearningRate = 3e-3f, ValidationFraction = 0.1f, Seed = 1,
        };
        var data = VaeData.FromCsv(train);
        var fitted = TrainingReporter.Run(console, options.Epochs, progress => new VaeEstimator(options).Fit(data, progress));
        // A 1% false-positive rate, measured on normal rows the model never trained on.
        var model = fitted.CalibrateFalsePositiveRate(fitted.ReadCsv(calibration), 0.01);
        model.Save(Path.Combine(folder, "model.vae"));

        var testRows = model.ReadCsv(test, Label);
        var scores = model.Score(testRows);
        var labels = testRows.Labels!;
        double auroc = Auroc.Compute(scores, labels.Select(l => l != 0).ToArray());
        int flagged = scores.Count(model.Threshold!.IsAnomaly), caught = Enumerable.Range(0, scores.Length).Count(i => labels[i] == 1 && model.Threshold.IsAnomaly(scores[i]));
        Outputs.WriteCsv(Path.Combine(folder, "scores.csv"), ["row", "score", "is_anomaly", Label], scores.Length, (r, cells) =>
            cells.AddRange([r.ToString(), Outputs.Number(scores[r]), model.Threshold.IsAnomaly(scores[r]) ? "1" : "0", labels[r].ToString()]));

        string onnx = Path.Combine(folder, "onnx");
        Directory.CreateDirectory(onnx);
        OnnxExport.SaveAll(model.Model, onnx);
        string report = Path.Combine(folder, "report");
        Directory.CreateDirectory(report);
        ModelReport.Write(model, testRows, report);

        summary["auroc"] = auroc;
        summary["test_rows"] = scores.Length;
        summary["test_anomalies"] = labels.Count(l => l == 1);
        summary["flagged"] = flagged;
        summary["caught"] = caught;
        summary["threshold"] = model.Threshold.Value;
        summary["train_seconds"] = model.Training!.Seconds;
        console.Error.WriteLine($"threshold {model.Threshold.Value:G6} (1% false positives on calibration rows): flagged {flagged} test rows, {caught} of the {summary["test_anomalies"]} anomalies");
    }
}
