using System.Globalization;

namespace MlNetVae.Package.Tests;

/// <summary>
/// The README's files: normal.csv (training rows) and incoming.csv (rows to score, every tenth an anomaly), with the
/// columns of its Reading class. Five sensors that follow the temperature; an anomaly is power off by 15% from it.
/// </summary>
internal static class SensorData
{
    public const int NormalRows = 1000, IncomingRows = 300;

    /// <summary>Writes both files into <paramref name="directory"/> (created if needed) and returns it.</summary>
    public static string Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(1);
        File.WriteAllLines(Path.Combine(directory, "normal.csv"), [Header, .. Enumerable.Range(0, NormalRows).Select(_ => Row(random, anomaly: false))]);
        File.WriteAllLines(Path.Combine(directory, "incoming.csv"), [Header, .. Enumerable.Range(0, IncomingRows).Select(i => Row(random, anomaly: i % 10 == 0))]);
        return directory;
    }

    private const string Header = "Temperature,Pressure,Flow,Vibration,Power,Label";

    private static string Row(Random random, bool anomaly)
    {
        double temperature = 60 + 3 * Normal(random);
        double pressure = 3.8 * temperature + 2 * Normal(random);
        double flow = 0.9 * temperature + Normal(random);
        double vibration = 1.6 + 0.05 * (flow - 54) + 0.05 * Normal(random);
        double power = (11.5 * temperature + 5 * Normal(random)) * (anomaly ? (random.Next(2) == 0 ? 1.15 : 0.85) : 1);
        return string.Join(',', new[] { temperature, pressure, flow, vibration, power, anomaly ? 1 : 0 }.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)));
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
