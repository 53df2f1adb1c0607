using MlNetVae.Cli.Report;

namespace MlNetVae.Tests.Cli;

/// <summary>
/// Realistic synthetic inputs for the report pictures, deterministic: training that converges, three latent clusters,
/// a bimodal anomaly score, IWAE and naive estimates of log p(x), and ring-shaped 28 x 28 "digits".
/// </summary>
internal static class ReportSamples
{
    public const int Side = 28;

    /// <summary>40 epochs: the reconstruction term drops fast, KL rises from near 0, validation turns up late.</summary>
    public static EpochStats[] Epochs(bool betaWarmup)
    {
        var random = new Random(7);
        return [.. Enumerable.Range(1, 40).Select(e =>
        {
            double reconstruction = 92 + 150 * Math.Exp(-(e - 1) / 2.0) + random.NextDouble() * 0.8;
            double kl = 0.4 + 17 * (1 - Math.Exp(-(e - 1) / 6.0)) + random.NextDouble() * 0.3;
            double beta = betaWarmup ? Math.Min(1, e / 10.0) : 1;
            double validation = reconstruction + kl + 3 + 0.02 * Math.Pow(Math.Max(0, e - 22), 1.6);
            return new EpochStats(e, reconstruction, kl, reconstruction + kl, reconstruction + beta * kl, validation);
        })];
    }

    /// <summary>16 latent dimensions, 5 of them active.</summary>
    public static double[] KlPerDimension() =>
        [2.1, 0.004, 1.7, 0.002, 0.003, 3.2, 0.001, 0.9, 0.006, 0.002, 0.004, 1.3, 0.001, 0.003, 0.002, 0.005];

    /// <summary>Three well-separated clusters named normal (600), drift (150) and spike (100).</summary>
    public static (double[] X, double[] Y, string[] Classes) Latent()
    {
        var random = new Random(11);
        var (x, y, classes) = (new List<double>(), new List<double>(), new List<string>());
        foreach (var (name, count, cx, cy, sd) in new[] { ("normal", 600, 0.0, -0.2, 0.45), ("drift", 150, 1.7, 1.3, 0.3), ("spike", 100, -1.5, 1.6, 0.25) })
            for (int i = 0; i < count; i++)
            {
                x.Add(cx + sd * Normal(random));
                y.Add(cy + sd * Normal(random));
                classes.Add(name);
            }
        return ([.. x], [.. y], [.. classes]);
    }

    /// <summary>950 normal rows around 100 and 50 anomalies around 145, overlapping a little, with the threshold at the normals' 97th percentile.</summary>
    public static (double[] Scores, bool[] IsAnomaly, double Threshold) Scores()
    {
        var random = new Random(3);
        var scores = new double[1000];
        var isAnomaly = new bool[1000];
        for (int i = 0; i < scores.Length; i++)
        {
            isAnomaly[i] = i % 20 == 0;
            scores[i] = isAnomaly[i] ? 145 + 22 * Normal(random) : 100 + 12 * Normal(random);
        }
        double threshold = scores.Where((_, i) => !isAnomaly[i]).Order().ElementAt(920);
        return (scores, isAnomaly, threshold);
    }

    public static IwaePoint[] Iwae() =>
        [new(1, -240.1, -240.5, -239.7), new(5, -238.9, -239.2, -238.6), new(50, -238.2, -238.4, -238.0), new(500, -238.0, -238.1, -237.9)];

    public static NaivePoint[] Naive() =>
        [new(1, -320, -395, -268), new(5, -290, -345, -258), new(50, -270, -310, -251), new(500, -262, -292, -248)];

    /// <summary>A soft ring: an ellipse outline of radii (rx, ry) turned by angle, with a stroke width.</summary>
    public static float[] Ring(double rx, double ry, double angle, double stroke)
    {
        var pixels = new float[Side * Side];
        double c = Math.Cos(angle), s = Math.Sin(angle);
        for (int r = 0; r < Side; r++)
            for (int k = 0; k < Side; k++)
            {
                double dx = k - 13.5, dy = r - 13.5;
                double u = (c * dx + s * dy) / rx, v = (-s * dx + c * dy) / ry;
                double distance = Math.Abs(Math.Sqrt(u * u + v * v) - 1) * Math.Min(rx, ry);
                pixels[r * Side + k] = (float)Math.Clamp(1.5 - distance / stroke * 1.5, 0, 1);
            }
        return pixels;
    }

    /// <summary>Ten rings and their "reconstructions": a 3 x 3 box blur at a little less contrast.</summary>
    public static (float[][] Originals, float[][] Reconstructions) Reconstructions()
    {
        var originals = Enumerable.Range(0, 10).Select(i => Ring(5 + i % 4 * 1.5, 8 + i % 3, i * 0.35, 1.5 + i % 3 * 0.6)).ToArray();
        return (originals, [.. originals.Select(Blur)]);
    }

    /// <summary>32 random rings with a little speckle.</summary>
    public static float[][] Samples()
    {
        var random = new Random(5);
        return [.. Enumerable.Range(0, 32).Select(_ =>
        {
            var ring = Ring(4 + 4 * random.NextDouble(), 6 + 5 * random.NextDouble(), random.NextDouble() * Math.PI, 1.2 + random.NextDouble() * 1.5);
            return Blur(ring).Select(p => Math.Clamp(p + 0.05f * (float)Normal(random), 0f, 1f)).ToArray();
        })];
    }

    /// <summary>Values -3..3 in 9 steps along 4 "dimensions": width, height, slant, stroke.</summary>
    public static (float[][] Images, int[] Dimensions, double[] Values) Traversal()
    {
        double[] values = [.. Enumerable.Range(0, 9).Select(i => -3 + 0.75 * i)];
        int[] dimensions = [5, 0, 2, 11];
        var images = new List<float[]>();
        foreach (int d in dimensions)
            foreach (double v in values)
                images.Add(Blur(d switch
                {
                    5 => Ring(6.5 + v, 9, 0.3, 2),
                    0 => Ring(6.5, 9 + v, 0.3, 2),
                    2 => Ring(6.5, 9, 0.3 + v / 3, 2),
                    _ => Ring(6.5, 9, 0.3, 2 + v / 2.5),
                }));
        return ([.. images], dimensions, values);
    }

    private static float[] Blur(float[] image)
    {
        var result = new float[image.Length];
        for (int r = 0; r < Side; r++)
            for (int k = 0; k < Side; k++)
            {
                float sum = 0;
                int n = 0;
                for (int dr = -1; dr <= 1; dr++)
                    for (int dk = -1; dk <= 1; dk++)
                        if (r + dr is >= 0 and < Side && k + dk is >= 0 and < Side) { sum += image[(r + dr) * Side + k + dk]; n++; }
                result[r * Side + k] = 0.9f * sum / n;
            }
        return result;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
