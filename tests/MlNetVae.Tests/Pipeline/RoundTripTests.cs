using MlNetVae.Pipeline;
using MlNetVae.Tests.Vae;
using MlNetVae.Vae;
using NUnit.Framework;

namespace MlNetVae.Tests.Pipeline;

/// <summary>Every component through <see cref="RoundTripHarness"/>.</summary>
public class RoundTripTests
{
    private static readonly VaeOptions Tiny = new() { EncoderHidden = [12], LatentSize = 2, Epochs = 2, BatchSize = 32, LearningRate = 3e-3f };

    private static IEnumerable<TestCaseData> Components()
    {
        yield return Case("gaussian-arrays-contamination", _ =>
        {
            var data = VaeData.FromArrays(TestData.GaussianRows(150, 6, 1));
            return (new VaeEstimator(Tiny with { Likelihood = LikelihoodKind.Gaussian }) { Contamination = 0.1 }.Fit(data), _ => data);
        });
        yield return Case("bernoulli-matrix-no-threshold", _ =>
        {
            var rows = TestData.UnitRows(120, 9, 2);
            var matrix = new float[rows.Length, 9];
            for (int r = 0; r < rows.Length; r++) for (int c = 0; c < 9; c++) matrix[r, c] = rows[r][c];
            var data = VaeData.FromMatrix(matrix);
            return (new VaeEstimator(Tiny).Fit(data), _ => data);
        });
        yield return Case("csv-categories-label-fpr-threshold", files =>
        {
            string train = files.MixedCsv("train.csv", 200, 1), normal = files.MixedCsv("normal.csv", 60, 2), test = files.MixedCsv("test.csv", 40, 3);
            var fitted = new VaeEstimator(Tiny).Fit(VaeData.FromCsv(train, labelColumn: "label"));
            return (fitted.CalibrateFalsePositiveRate(fitted.ReadCsv(normal), 0.05), t => t.ReadCsv(test));
        });
        yield return Case("idx-gz-labels-class-filter", files =>
        {
            var (images, labels) = files.Idx("train-idx3-ubyte.gz", 90, 6);
            var data = VaeData.FromIdx(images, labels, keepClass: 1);
            return (new VaeEstimator(Tiny with { Likelihood = LikelihoodKind.Bernoulli }) { Contamination = 0.2 }.Fit(data), _ => data);
        });
        yield return Case("batches-early-stopping", _ =>
        {
            var rows = TestData.GaussianRows(160, 4, 5);
            var batches = rows.Chunk(50).Select(chunk => new ReadOnlyMemory<float>(chunk.SelectMany(r => r).ToArray()));
            var data = VaeData.FromBatches(batches, 4);
            return (new VaeEstimator(Tiny with { Epochs = 4, ValidationFraction = 0.2f, Patience = 1 }).Fit(data), _ => data);
        });
    }

    private static TestCaseData Case(string name, Func<Files, (VaeTransformer, Func<VaeTransformer, VaeData>)> build) =>
        new TestCaseData(name, build).SetName($"FitSaveLoadTransformIsIdentical({name})");

    [TestCaseSource(nameof(Components))]
    public void FitSaveLoadTransformIsIdentical(string name, Func<Files, (VaeTransformer, Func<VaeTransformer, VaeData>)> build)
    {
        using var files = new Files();
        var (fitted, data) = build(files);
        RoundTripHarness.Check(new Component(name, () => fitted, data), files.Root);
    }
}
