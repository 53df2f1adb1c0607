// Tabular anomaly detection in a few lines: fit a VAE on normal rows of a table whose columns have very
// different scales, calibrate a threshold for 1% false positives, score new rows, save and reload the model.
// Run: dotnet run -c Release --project samples/TabularAnomaly
using MlNetVae.Pipeline;
using MlNetVae.Vae;

string[] names = ["temperature_c", "pressure_kpa", "flow_l_per_min", "vibration_mm_s", "power_kw"];
var random = new Random(7);

// A machine whose five sensors follow two hidden causes (load and speed) plus a little noise.
float[] Reading(bool broken)
{
    double load = random.NextDouble(), speed = random.NextDouble();
    double noise() => 0.02 * (random.NextDouble() - 0.5);
    double vibration = 0.5 + 2 * speed + noise();
    if (broken) vibration += 1.5; // a worn bearing: vibrates more than the speed explains
    return [(float)(40 + 30 * load + noise()), (float)(200 + 50 * load * speed + noise()),
            (float)(10 + 90 * speed + noise()), (float)vibration, (float)(1000 * load * (0.5 + speed) + noise())];
}

var normal = Enumerable.Range(0, 3000).Select(_ => Reading(broken: false)).ToArray();
var calibration = Enumerable.Range(0, 500).Select(_ => Reading(broken: false)).ToArray();
var incoming = Enumerable.Range(0, 200).Select(i => Reading(broken: i % 20 == 0)).ToArray(); // every 20th is broken

var options = new VaeOptions { EncoderHidden = [32, 16], LatentSize = 2, Epochs = 60, Seed = 1 };
VaeTransformer model = new VaeEstimator(options).Fit(VaeData.FromArrays(normal, names));
model = model.CalibrateFalsePositiveRate(VaeData.FromArrays(calibration, names), 0.01);

var rows = model.Transform(VaeData.FromArrays(incoming, names));
for (int i = 0; i < rows.Count; i++)
    if (rows[i].IsAnomaly == true)
        Console.WriteLine($"row {i,3}: score {rows[i].Score,8:F2}  {(i % 20 == 0 ? "broken" : "normal")}");
Console.WriteLine($"flagged {rows.Count(r => r.IsAnomaly == true)} of {rows.Count} rows; {incoming.Length / 20} were broken");

string path = Path.Combine(Path.GetTempPath(), "tabular-anomaly.vae");
model.Save(path);
var reloaded = VaeTransformer.Load(path);
Console.WriteLine($"reloaded model gives the same scores: {reloaded.Score(VaeData.FromArrays(incoming, names)).SequenceEqual(rows.Select(r => r.Score))}");
