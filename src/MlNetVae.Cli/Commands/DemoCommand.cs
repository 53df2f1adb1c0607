using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Cli.Data;
using MlNetVae.Cli.Demo;
using MlNetVae.Cli.Report;
using MlNetVae.Inference;
using MlNetVae.ML;
using MlNetVae.Onnx;
using MlNetVae.Spec;

namespace MlNetVae.Cli.Commands;

/// <summary>
/// <c>demo</c>: no arguments, no download. Generates the built-in sensor table, trains the library's ML.NET estimator
/// with its default options on normal rows, calibrates the threshold on held-out normal rows, scores test rows with
/// known anomalies, prints the AUROC, and writes the data, the model, its ONNX files, the scores and a report.
/// </summary>
internal static class DemoCommand
{
    private const string Label = "anomaly";

    public static Command Create(CliConsole console)
    {
        var output = new Option<string>("--out") { Description = "the folder to write", DefaultValueFactory = _ => "mlnetvae-demo" };
        var epochs = CommonOptions.Count("--epochs", new VaeOptions().Epochs, "training epochs");
        var json = CommonOptions.Json();
        var command = new Command("demo", "train on a built-in sensor table with known anomalies; print the AUROC; write model, ONNX files and " +
            "report") { output, epochs, json };
        command.SetAction(parse =>
        {
            string folder = parse.GetValue(output)!;
            Outputs.CheckFolder(folder);
            int e = CommonOptions.Checked(parse, epochs, 1, 100_000);
            var clock = Stopwatch.StartNew();
            var summary = new Dictionary<string, object?>();
            Output.AtomicFolder.Write(folder, temp => Run(console, temp, e, summary), console.Cancellation);
            summary["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2);
            summary["folder"] = Path.GetFullPath(folder);
            console.Error.WriteLine($"demo done in {clock.Elapsed.TotalSeconds:F1} s; open {Path.Combine(folder, "report", "index.html")}");
            if (parse.GetValue(json)) Outputs.Json(console, summary);
            else console.Out.WriteLine($"AUROC {summary["auroc"]:F4} on {summary["test_rows"]} test rows ({summary["test_anomalies"]} known " +
                $"anomalies); written to {Path.GetFullPath(folder)}");
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

        // The library's defaults, as a user who sets nothing gets them; only the epochs follow --epochs.
        var data = Dataset.Open(train, null, null, null);
        var options = new VaeOptions { Epochs = epochs, CategoricalGroups = data.Csv!.CategoricalGroups.ToArray() };
        var fitted = TrainingReporter.Run(console, epochs, progress => console.Estimator(options).Fit(data.View, progress, console.Cancellation))
            .WithMetadata(ModelMetadata.For(data));
        // A 1% false-positive rate, measured on normal rows the model never trained on.
        var model = fitted.WithFalsePositiveRate(Dataset.Open(calibration, null, null, null, data.Csv).View, 0.01);
        ModelFile.Save(model, Path.Combine(folder, "model.zip"), cancellation: console.Cancellation);

        var testData = Dataset.Open(test, null, null, Label, data.Csv);
        var scored = model.Transform(testData.View);
        var scores = scored.GetColumn<float>(model.Options.ScoreColumnName).Select(s => (double)s).ToArray();
        var flagged = scored.GetColumn<bool>(model.Options.PredictedLabelColumnName).ToArray();
        var labels = testData.ReadLabels()!;
        double auroc = Roc.Auroc(scores, labels.Select(l => l != 0).ToArray());
        int caught = Enumerable.Range(0, scores.Length).Count(i => labels[i] == 1 && flagged[i]);
        Outputs.WriteCsv(Path.Combine(folder, "scores.csv"), ["row", "score", "is_anomaly", Label], Enumerable.Range(0, scores.Length)
            .Select(r => (IReadOnlyList<string>)[r.ToString(), Outputs.Number(scores[r]), flagged[r] ? "1" : "0", labels[r].ToString()]), console.Cancellation);

        string onnx = Path.Combine(folder, "onnx");
        Directory.CreateDirectory(onnx);
        OnnxExport.SaveAll(model.Model, onnx, new ScorerExportOptions(model.AnomalyScore, Threshold: (float)model.Threshold.Value));
        string report = Path.Combine(folder, "report");
        Directory.CreateDirectory(report);
        ModelReport.Write(model, testData, report, console.Cancellation);

        summary["auroc"] = auroc;
        summary["test_rows"] = scores.Length;
        summary["test_anomalies"] = labels.Count(l => l == 1);
        summary["flagged"] = flagged.Count(f => f);
        summary["caught"] = caught;
        summary["threshold"] = model.Threshold.Value;
        summary["train_seconds"] = model.Training!.Seconds;
        console.Error.WriteLine($"threshold {model.Threshold.Value:G6} (1% false positives on calibration rows): flagged {summary["flagged"]} test " +
            $"rows, {caught} of the {summary["test_anomalies"]} anomalies");
    }
}
