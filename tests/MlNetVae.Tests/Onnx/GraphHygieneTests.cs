using MlNetVae.Onnx.Proto;
using MlNetVae.Tests.Graph;
using MlNetVae.Tests.Scores;
using NUnit.Framework;

namespace MlNetVae.Tests.Onnx;

/// <summary>
/// Every exported graph holds only what it uses: each initializer feeds a node. An unused one makes ONNX Runtime print
/// "Removing initializer ..." on the user's console when it loads the graph (the image scorer carried four).
/// </summary>
public class GraphHygieneTests
{
    private static IEnumerable<TestCaseData> Graphs()
    {
        foreach (var kind in Enum.GetValues<ModelKind>())
        {
            var (model, _, _) = ScoreFormulaTests.Fitted(kind);
            yield return new TestCaseData(OnnxExport.Encoder(model)).SetName($"{kind}Encoder");
            yield return new TestCaseData(OnnxExport.Decoder(model)).SetName($"{kind}Decoder");
            foreach (var score in ScoreFormulaTests.TableScores)
                yield return new TestCaseData(OnnxExport.Scorer(model, new ScorerExportOptions(score, Threshold: 1f))).SetName($"{kind}Scorer{score}");
        }
        var (image, _) = ConvModelTests.Model(trained: true);
        foreach (var score in ScoreFormulaTests.Deterministic)
            yield return new TestCaseData(OnnxExport.Scorer(image, new ScorerExportOptions(score, Threshold: 1f))).SetName($"ImageScorer{score}");
    }

    [TestCaseSource(nameof(Graphs))]
    public void EveryInitializerFeedsANode(byte[] file)
    {
        var graph = ModelProto.Parser.ParseFrom(file).Graph;
        var read = graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        Assert.That(graph.Initializer.Select(t => t.Name).Where(name => !read.Contains(name)), Is.Empty);
    }
}
