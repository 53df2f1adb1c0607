using MlNetVae.Tests.Cli.Data;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli;

/// <summary>Data files and two tiny models (CSV with a categorical column and labels; IDX images) trained once through the CLI for all CLI tests (public: test cases pass its record).</summary>
public static class CliFixture
{
    private static readonly Lazy<Fixture> Shared = new(Create);

    public static Fixture Get() => Shared.Value;

    public static void DisposeIfCreated()
    {
        if (Shared.IsValueCreated) Shared.Value.Files.Dispose();
    }

    public sealed record Fixture(Files Files, string TrainCsv, string TestCsv, string CsvModel, string Images, string Labels, string ImageModel);

    public static readonly string[] TinyTraining = ["--hidden", "8", "--latent", "2", "--epochs", "2", "--batch", "32", "--lr", "0.003"];

    private static readonly Lazy<string> DemoFolder = new(() =>
    {
        string folder = Path.Combine(Get().Files.Root, "demo");
        var (code, stdout, stderr) = CliRunner.Run("demo", "--out", folder, "--epochs", "10", "--json");
        if (code != 0) Assert.Fail($"the demo failed ({code}): {stderr}");
        File.WriteAllText(Path.Combine(Get().Files.Root, "demo.json"), stdout);
        return folder;
    });

    /// <summary>The folder of one run of <c>demo --epochs 10</c> (its --json output beside it, in demo.json).</summary>
    public static string Demo() => DemoFolder.Value;

    private static Fixture Create()
    {
        var files = new Files();
        string train = files.MixedCsv("train.csv", 240, 1), test = files.MixedCsv("test.csv", 30, 2);
        var (images, labels) = files.Idx("images-idx3-ubyte.gz", 60, 6);
        string csvModel = files["csv.zip"], imageModel = files["images.zip"];
        Train(["train", "--data", train, "--label-column", "label", "--out", csvModel, "--contamination", "0.1", .. TinyTraining]);
        Train(["train", "--data", images, "--labels", labels, "--out", imageModel, "--likelihood", "bernoulli", .. TinyTraining]);
        return new Fixture(files, train, test, csvModel, images, labels, imageModel);
    }

    private static void Train(string[] args)
    {
        var (code, _, err) = CliRunner.Run(args);
        if (code != 0) Assert.Fail($"fixture training failed ({code}): {err}");
    }
}
