using System.Globalization;
using MlNetVae.Engine.Randomness;

namespace MlNetVae.Tests.Cli.Data;

/// <summary>Small data files written for a test into its own temporary folder, deleted with it (public: test case sources pass it).</summary>
public sealed class Files : IDisposable
{
    public Files() : this(Path.GetTempPath()) { }

    private Files(string parent)
    {
        Root = Path.Combine(parent, "mlnetvae-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    /// <summary>A folder in memory (/dev/shm) when there is one: for tests that rewrite a file thousands of times (a disk write here takes milliseconds).</summary>
    public static Files InMemory() => new(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath());

    public string Root { get; }

    public string this[string name] => Path.Combine(Root, name);

    public string Write(string name, string text)
    {
        File.WriteAllText(this[name], text);
        return this[name];
    }

    /// <summary>
    /// A CSV of correlated numeric columns a, b, c, a string column colour (red / green / blue) that shifts them,
    /// and an integer label column: <paramref name="rows"/> rows, deterministic.
    /// </summary>
    public string MixedCsv(string name, int rows, int seed = 1)
    {
        var rng = new Rng((ulong)seed);
        string[] colours = ["red", "green", "blue"];
        var lines = new List<string> { "a,colour,b,c,label" };
        Span<float> z = stackalloc float[3];
        for (int r = 0; r < rows; r++)
        {
            rng.FillNormal(z);
            int colour = rng.NextInt(3);
            float a = z[0] + colour, b = 2 * z[0] + 0.1f * z[1] + 10, c = -z[0] + 0.1f * z[2];
            lines.Add(string.Join(',', N(a), colours[colour], N(b), N(c), colour.ToString(CultureInfo.InvariantCulture)));
        }
        return Write(name, string.Join('\n', lines) + "\n");
    }

    /// <summary>An IDX image file of <paramref name="count"/> side x side images (gzip when the name ends in .gz) and its label file.</summary>
    public (string Images, string Labels) Idx(string name, int count, int side, int seed = 1)
    {
        var rng = new Rng((ulong)seed);
        using (var images = Open(this[name]))
        {
            images.Write([0, 0, 8, 3]);
            foreach (int d in new[] { count, side, side }) images.Write([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
            for (int i = 0; i < count; i++)
            {
                // Class k lights up a horizontal band around row k: structure a tiny VAE can learn.
                int k = i % 3;
                for (int p = 0; p < side * side; p++)
                    images.WriteByte((byte)(Math.Abs(p / side - k * side / 3) <= 1 ? 200 + rng.NextInt(55) : rng.NextInt(30)));
            }
        }
        string labelsPath = this[name.Replace("idx3", "idx1")];
        using (var labels = Open(labelsPath))
        {
            labels.Write([0, 0, 8, 1, (byte)(count >> 24), (byte)(count >> 16), (byte)(count >> 8), (byte)count]);
            for (int i = 0; i < count; i++) labels.WriteByte((byte)(i % 3));
        }
        return (this[name], labelsPath);
    }

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }

    private static Stream Open(string path)
    {
        var file = File.Create(path);
        return path.EndsWith(".gz") ? new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest) : file;
    }

    private static string N(float v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}
