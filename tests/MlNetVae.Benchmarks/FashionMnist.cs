using MlNetVae.Cli.Data;

namespace MlNetVae.Benchmarks;

/// <summary>Fashion-MNIST from Debian's dataset-fashion-mnist package, as flat [rows, 784] buffers in [0, 1].</summary>
internal static class FashionMnist
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";
    public const int Features = 784;

    public static (float[] Images, byte[] Labels) Train() => Load("train");

    public static (float[] Images, byte[] Labels) Test() => Load("t10k");

    /// <summary>The rows of <paramref name="images"/> whose label passes <paramref name="keep"/>, flat.</summary>
    public static float[] Rows(float[] images, byte[] labels, Func<byte, bool> keep)
    {
        var picked = Enumerable.Range(0, labels.Length).Where(i => keep(labels[i])).ToArray();
        var rows = new float[picked.Length * Features];
        for (int i = 0; i < picked.Length; i++) images.AsSpan(picked[i] * Features, Features).CopyTo(rows.AsSpan(i * Features, Features));
        return rows;
    }

    private static (float[], byte[]) Load(string prefix)
    {
        // The benchmarks' data and peers are not part of the test set-up (scripts/setup): say what to install, once.
        if (!Directory.Exists(Folder))
        {
            Console.Error.WriteLine($"benchmarks: {Folder} not found; install the benchmarks' data and peers with " +
                "'apt-get install dataset-fashion-mnist python3-torch python3-sklearn libopenblas0'");
            Environment.Exit(2);
        }
        var images = IdxFile.ReadImages($"{Folder}/{prefix}-images-idx3-ubyte.gz");
        return (images.ToFloats(), IdxFile.ReadLabels($"{Folder}/{prefix}-labels-idx1-ubyte.gz"));
    }
}
