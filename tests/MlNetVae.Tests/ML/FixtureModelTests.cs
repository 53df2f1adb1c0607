using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Cli;
using MlNetVae.Cli.Data;
using MlNetVae.Tests.Cli;
using MlNetVae.Tests.Cli.Data;
using MlNetVae.TestWriter;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>
/// Model files written once by earlier builds keep loading, through the CLI's ModelFile.Load, through
/// mlContext.Model.Load and through RestoreVariationalAutoencoder, and keep scoring their rows as they did then:
/// tests/reference/fixtures-ml (the first release's saved form: a nested chain) and fixtures-ml-1.0.0 (this release's
/// flat chain, written by the same writer). Each release adds its folder here and keeps the older ones.
/// </summary>
[TestFixture("fixtures-ml")]
[TestFixture("fixtures-ml-1.0.0")]
public class FixtureModelTests(string release)
{
    private readonly string Folder = Path.Combine(AppContext.BaseDirectory, "reference", release);

    private FixtureModel.Scores Expected() =>
        JsonSerializer.Deserialize<FixtureModel.Scores>(File.ReadAllText(Path.Combine(Folder, FixtureModel.Expected)))!;

    /// <summary>
    /// Within 1e-6 relative: the same model, the same formulas. (On the machine that wrote the fixture they are
    /// bit-identical; another CPU's wider SIMD may round a last bit differently.)
    /// </summary>
    private static void AssertSame(string[] expected, string[] actual, bool[] expectedLabels, bool[] actualLabels, double threshold, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        int identical = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = float.Parse(expected[i], CultureInfo.InvariantCulture), a = float.Parse(actual[i], CultureInfo.InvariantCulture);
            identical += e == a ? 1 : 0;
            Assert.That(a, Is.EqualTo(e).Within(1e-6 * Math.Max(1, Math.Abs(e))), $"{what}: row {i}");
            if (Math.Abs(e - threshold) > 1e-5 * Math.Max(1, threshold)) Assert.That(actualLabels[i], Is.EqualTo(expectedLabels[i]), $"{what}: row {i}'s flag");
        }
        TestContext.Out.WriteLine($"{what}: {identical} of {expected.Length} scores bit-identical to the fixture's");
    }

    [Test]
    public void TheCheckedInModelLoadsAndScoresAsWhenItWasWritten()
    {
        var expected = Expected();
        double threshold = double.Parse(expected.Threshold, CultureInfo.InvariantCulture);
        var model = ModelFile.Load(Path.Combine(Folder, FixtureModel.Model));
        Assert.That(model.Threshold.Value, Is.EqualTo(threshold));
        Assert.That(expected.ManagedLabel.Count(f => f), Is.EqualTo(8), "contamination 0.1 of 80 rows");
        Assert.That(expected.ManagedLabel[^4..], Is.All.True, "the 4 rows off the pattern");

        var now = FixtureModel.Compute(Folder); // ModelFile.Load (managed) and mlContext.Model.Load (ONNX Runtime)
        AssertSame(expected.ManagedScore, now.ManagedScore, expected.ManagedLabel, now.ManagedLabel, threshold, "ModelFile.Load");
        AssertSame(expected.OnnxScore, now.OnnxScore, expected.OnnxLabel, now.OnnxLabel, threshold, "mlContext.Model.Load");
    }

    [Test]
    public void TheRestoredModelIsTheFittedTransformerWithTheSameScores()
    {
        var expected = Expected();
        var ml = new MLContext(seed: 1);
        var restored = ml.Model.RestoreVariationalAutoencoder(ml.Model.Load(Path.Combine(Folder, FixtureModel.Model), out _));
        var vae = VaeTransformer.FindIn(restored);
        Assert.That(vae, Is.Not.Null, "the restored pipeline holds the VAE transformer itself");
        Assert.That(vae!.Threshold.Value, Is.EqualTo(double.Parse(expected.Threshold, CultureInfo.InvariantCulture)));
        Assert.That(vae.Options.LearningRateDecay, Is.Zero, "written before the decay existed: trained at a constant learning rate");
        var rows = Dataset.Open(Path.Combine(Folder, FixtureModel.Data), null, null, null, ModelMetadata.Of(vae).Csv).View;
        var scored = restored.Transform(rows);
        AssertSame(expected.ManagedScore, scored.GetColumn<float>(vae.Options.ScoreColumnName).Select(ViewDump.Number).ToArray(), expected.ManagedLabel,
            scored.GetColumn<bool>(vae.Options.PredictedLabelColumnName).ToArray(), vae.Threshold.Value, "RestoreVariationalAutoencoder");
    }

    [Test]
    public void TheCliScoresTheCheckedInModelAsWhenItWasWritten()
    {
        var expected = Expected();
        using var files = new Files();
        var (code, _, stderr) = CliRunner.Run("score", "--model", Path.Combine(Folder, FixtureModel.Model), "--data", Path.Combine(Folder, FixtureModel.Data), "--out", files["s.csv"]);
        Assert.That(code, Is.EqualTo(0), stderr);
        var rows = File.ReadAllLines(files["s.csv"])[1..].Select(l => l.Split(',')).ToArray();
        AssertSame(expected.ManagedScore, rows.Select(r => r[1]).ToArray(), expected.ManagedLabel, rows.Select(r => r[^1] == "1").ToArray(),
            double.Parse(expected.Threshold, CultureInfo.InvariantCulture), "mlnetvae score");
    }

    [Test]
    public void TheCheckedInFileCarriesItsSeal()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, FixtureModel.Model));
        Assert.That(Encoding.ASCII.GetString(bytes[^80..]), Does.Match("^mlnetvae-sha256:[0-9a-f]{64}$"));
    }
}
