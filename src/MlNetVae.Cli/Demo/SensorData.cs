using System.Globalization;
using MlNetVae.Cli.Output;
using MlNetVae.Engine.Randomness;


namespace MlNetVae.Cli.Demo;

/// <summary>
/// The demo's built-in data set, generated deterministically (no download): a machine with eight correlated
/// sensors and an operating mode. Two hidden factors, load and ambient conditions, drive every sensor (vibration
/// grows with the square of the load); the mode shifts the load. Anomalies break that structure in four ways.
/// </summary>
internal static class SensorData
{
    public static readonly string[] Columns = ["temperature", "pressure", "flow", "rpm", "power", "vibration", "humidity", "voltage", "mode"];

    private static readonly string[] Modes = ["idle", "normal", "boost"];
    private static readonly float[] ModeShift = [-1.5f, 0f, 1.5f];
    private static readonly float[] Noise = [0.5f, 0.05f, 2f, 20f, 0.8f, 0.03f, 1.5f, 0.5f];

    /// <summary>What kind of anomaly a row holds, if any.</summary>
    public enum Kind { Normal, SensorDrift, WrongMode, VibrationSpike, AmbientMismatch }

    /// <summary>Writes <paramref name="rows"/> normal rows, then shuffles in <paramref name="anomalies"/> anomalies; with a label column when asked.</summary>
    public static void WriteCsv(string path, int rows, int anomalies, int seed, string? labelColumn)
    {
        var rng = new Rng((ulong)seed);
        var kinds = Enumerable.Repeat(Kind.Normal, rows).Concat(Enumerable.Range(0, anomalies).Select(i => (Kind)(1 + i % 4))).ToArray();
        var order = Enumerable.Range(0, kinds.Length).ToArray();
        rng.Shuffle(order);
        AtomicFile.WriteText(path, writer =>
        {
            writer.WriteLine(string.Join(',', labelColumn is null ? Columns : [.. Columns, labelColumn]));
            foreach (int i in order)
            {
                var (values, mode) = Row(rng, kinds[i]);
                var cells = values.Select(v => v.ToString("0.####", CultureInfo.InvariantCulture)).Append(mode);
                if (labelColumn is not null) cells = cells.Append(kinds[i] == Kind.Normal ? "0" : "1");
                writer.WriteLine(string.Join(',', cells));
            }
        });
    }

    private static (float[] Values, string Mode) Row(Rng rng, Kind kind)
    {
        Span<float> z = stackalloc float[2];
        rng.FillNormal(z);
        float load = z[0], ambient = z[1];
        int mode = ModeIndex(rng.NextFloat());
        float e = 0.6f * load + ModeShift[mode];
        float humiditySign = kind == Kind.AmbientMismatch ? 1f : -1f;
        var v = new[]
        {
            60 + 8 * e + 5 * ambient, 3.0f + 0.4f * e, 120 + 25 * e, 1500 + 300 * e,
            45 + 12 * e + 2 * ambient, 0.8f + 0.15f * e * e, 40 + humiditySign * 6 * ambient, 230 - 1.5f * e,
        };
        var noise = new float[v.Length];
        rng.FillNormal(noise);
        for (int j = 0; j < v.Length; j++) v[j] += Noise[j] * noise[j];
        switch (kind)
        {
            case Kind.SensorDrift:
                int sensor = rng.NextInt(v.Length);
                v[sensor] += (rng.NextFloat() < 0.5f ? -1 : 1) * 12 * Noise[sensor];
                break;
            case Kind.WrongMode:
                mode = (mode + 1 + rng.NextInt(2)) % 3;
                break;
            case Kind.VibrationSpike:
                v[5] += 0.6f + 0.4f * rng.NextFloat();
                break;
        }
        return (v, Modes[mode]);
    }

    private static int ModeIndex(float u) => u < 0.2f ? 0 : u < 0.8f ? 1 : 2;
}
