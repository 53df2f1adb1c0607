// Images in an ML.NET pipeline: train a VAE on one Fashion-MNIST class (Debian package dataset-fashion-mnist), use it
// as a transform that embeds every test image into its latent mean, and as an anomaly detector whose score separates
// the other nine classes (AUROC from mlContext.AnomalyDetection.Evaluate).
// Run: dotnet run -c Release --project samples/FashionMnist [-- CLASS [EPOCHS]]
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae;

const string data = "/usr/share/datasets/fashion-mnist";
int normalClass = args.Length > 0 ? int.Parse(args[0]) : 7;   // 7 = sneaker
int epochs = args.Length > 1 ? int.Parse(args[1]) : 10;
if (!File.Exists($"{data}/train-images-idx3-ubyte.gz"))
{
    Console.Error.WriteLine($"Fashion-MNIST not found in {data}: apt-get install dataset-fashion-mnist");
    return 2;
}

var ml = new MLContext(seed: 1);
var schema = SchemaDefinition.Create(typeof(Image));
schema[nameof(Image.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 784);
IDataView train = ml.Data.LoadFromEnumerable(Read("train").Where(i => i.Class == normalClass), schema);
IDataView test = ml.Data.LoadFromEnumerable(Read("t10k").Select(i => i with { Label = i.Class == normalClass ? 0 : 1 }), schema);

// One estimator, two uses: the latent mean as features for another model, and the anomaly score. Declaring the
// image shape is all it takes to get the image defaults (convolutions, an 8-dimensional latent, a Gaussian
// likelihood on standardized pixels and the SmoothedStandardizedSum score; README "Defaults").
var options = new VaeOptions { Epochs = epochs, ImageShape = [1, 28, 28] };
var model = ml.AnomalyDetection.Trainers.VariationalAutoencoder(options).Fit(train);
var scored = model.Transform(test);
var latent = scored.GetColumn<float[]>(options.LatentMeanColumnName).First();
Console.WriteLine($"each test image embedded into {latent.Length} latent dimensions (LatentMean column)");
Console.WriteLine($"AUROC of the default score, class {normalClass} vs the rest: {ml.AnomalyDetection.Evaluate(scored).AreaUnderRocCurve:F4}");
return 0;

// IDX files: a big-endian header, then one byte per pixel (images) or per item (labels).
static IEnumerable<Image> Read(string prefix)
{
    static byte[] Bytes(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var copy = new MemoryStream();
        gzip.CopyTo(copy);
        return copy.ToArray();
    }
    var images = Bytes($"{data}/{prefix}-images-idx3-ubyte.gz");
    var labels = Bytes($"{data}/{prefix}-labels-idx1-ubyte.gz");
    for (int i = 0; i < labels.Length - 8; i++)
        yield return new Image { Class = labels[8 + i], Features = images.AsSpan(16 + i * 784, 784).ToArray().Select(b => b / 255f).ToArray() };
}

/// <summary>One image: its pixels in [0, 1], its class, and the anomaly label (1 = not the normal class).</summary>
public sealed record Image
{
    public float[] Features { get; set; } = [];
    public float Label { get; set; }
    [NoColumn] public int Class { get; set; }
}
