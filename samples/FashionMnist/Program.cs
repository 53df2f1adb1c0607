// Images: train a VAE on one Fashion-MNIST class (Debian package dataset-fashion-mnist), embed the test images,
// score them, and measure how well the default anomaly score separates the other nine classes (AUROC).
// Run: dotnet run -c Release --project samples/FashionMnist [-- CLASS [EPOCHS]]
using MlNetVae.Pipeline;
using MlNetVae.Scoring;
using MlNetVae.Vae;

const string data = "/usr/share/datasets/fashion-mnist";
int normalClass = args.Length > 0 ? int.Parse(args[0]) : 7;   // 7 = sneaker
int epochs = args.Length > 1 ? int.Parse(args[1]) : 10;
if (!File.Exists($"{data}/train-images-idx3-ubyte.gz"))
{
    Console.Error.WriteLine($"Fashion-MNIST not found in {data}: apt-get install dataset-fashion-mnist");
    return 2;
}

var train = VaeData.FromIdx($"{data}/train-images-idx3-ubyte.gz", $"{data}/train-labels-idx1-ubyte.gz", keepClass: normalClass);
var test = VaeData.FromIdx($"{data}/t10k-images-idx3-ubyte.gz", $"{data}/t10k-labels-idx1-ubyte.gz");
var options = new VaeOptions { Likelihood = LikelihoodKind.Bernoulli, Epochs = epochs };
var model = new VaeEstimator(options).Fit(train, new Progress<TrainingProgress>(p =>
{
    if (p.Step == p.StepsPerEpoch) Console.WriteLine($"epoch {p.Epoch}: -ELBO {p.Loss:F1} nats, {p.SamplesPerSecond:F0} images/s");
}));

float[][] latents = model.Encode(test);       // 20-dimensional features for another model
double[] scores = model.Score(test);          // higher = less like the training class
bool[] isOtherClass = test.Labels!.Select(label => label != normalClass).ToArray();
Console.WriteLine($"{latents.Length} test images embedded into {latents[0].Length} dimensions");
Console.WriteLine($"AUROC of the default score, class {normalClass} vs the rest: {Auroc.Compute(scores, isOtherClass):F4}");
return 0;
