// A VAE step in an ML.NET anomaly-detection pipeline, side by side with ML.NET's RandomizedPca on the same table:
// fit both, evaluate both with mlContext.AnomalyDetection.Evaluate, save the VAE pipeline with mlContext.Model.Save,
// reload it as any ML.NET model, and predict single rows with a PredictionEngine.
// Run: dotnet run -c Release --project samples/TabularAnomaly
using Microsoft.ML;

var ml = new MLContext(seed: 1);
var random = new Random(7);

// A machine whose five sensors follow two hidden causes (load and speed), some of them non-linearly.
Reading Read(bool broken)
{
    double load = random.NextDouble(), speed = random.NextDouble();
    float Noise() => (float)(0.02 * (random.NextDouble() - 0.5));
    return new Reading
    {
        Temperature = (float)(40 + 30 * load) + Noise(),
        Pressure = (float)(200 + 50 * load * speed) + Noise(),
        Flow = (float)(10 + 90 * speed) + Noise(),
        Vibration = (float)(0.5 + 2 * speed) + Noise(),
        // A failing motor draws 25% more power than its load and speed explain, while every sensor stays in its normal
        // range: only the non-linear relation between the sensors gives it away.
        Power = (float)(1000 * load * (0.5 + speed) * (broken ? 1.25 : 1)) + Noise(),
        Label = broken ? 1 : 0,
    };
}

IDataView train = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 3000).Select(_ => Read(broken: false)).ToList());
IDataView test = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 1000).Select(i => Read(broken: i % 10 == 0)).ToList());

var features = ml.Transforms.Concatenate("Features", "Temperature", "Pressure", "Flow", "Vibration", "Power")
    .Append(ml.Transforms.NormalizeMeanVariance("Features"));
var vae = features.Append(ml.AnomalyDetection.Trainers.VariationalAutoencoder("Features"));
var pca = features.Append(ml.AnomalyDetection.Trainers.RandomizedPca("Features", rank: 2));

var vaeModel = vae.Fit(train);
var pcaModel = pca.Fit(train);
var vaeMetrics = ml.AnomalyDetection.Evaluate(vaeModel.Transform(test));
var pcaMetrics = ml.AnomalyDetection.Evaluate(pcaModel.Transform(test));
Console.WriteLine($"VAE            AUC {vaeMetrics.AreaUnderRocCurve:F4}  detection rate at 10 false positives {vaeMetrics.DetectionRateAtFalsePositiveCount:F3}");
Console.WriteLine($"RandomizedPca  AUC {pcaMetrics.AreaUnderRocCurve:F4}  detection rate at 10 false positives {pcaMetrics.DetectionRateAtFalsePositiveCount:F3}");

// The VAE step saves and reloads like any ML.NET transformer; no registration call is needed before loading.
string path = Path.Combine(Path.GetTempPath(), "tabular-anomaly-vae.zip");
ml.Model.Save(vaeModel, train.Schema, path);
ITransformer reloaded = new MLContext().Model.Load(path, out _);
var engine = ml.Model.CreatePredictionEngine<Reading, Prediction>(reloaded);
foreach (var row in new[] { Read(broken: false), Read(broken: true) })
{
    var p = engine.Predict(row);
    Console.WriteLine($"{(row.Label == 1 ? "failing" : "normal"),-7}: score {p.Score,7:F3}, flagged {p.PredictedLabel}");
}
return vaeMetrics.AreaUnderRocCurve > pcaMetrics.AreaUnderRocCurve ? 0 : 1;

/// <summary>One reading of the machine; Label is 1 for a failing motor (used only to evaluate).</summary>
public sealed class Reading
{
    public float Temperature { get; set; }
    public float Pressure { get; set; }
    public float Flow { get; set; }
    public float Vibration { get; set; }
    public float Power { get; set; }
    public float Label { get; set; }
}

/// <summary>What the anomaly detector adds to a row.</summary>
public sealed class Prediction
{
    public float Score { get; set; }
    public bool PredictedLabel { get; set; }
}
