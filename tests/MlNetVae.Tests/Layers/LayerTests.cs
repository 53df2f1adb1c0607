using NUnit.Framework;

namespace MlNetVae.Tests.Layers;

/// <summary>
/// The library's folders are layers whose uses point down only (README, "Layout"): a folder may use the folders its
/// row names and nothing above them, so the dependency graph is a DAG by construction and a new upward use fails here
/// with the file, the line and the type it uses.
/// </summary>
public class LayerTests
{
    /// <summary>Bottom to top; each layer with the layers it may use.</summary>
    internal static readonly (string Layer, string[] MayUse)[] Library =
    [
        ("Engine", []),
        ("Spec", ["Engine"]),
        ("Graph", ["Spec", "Engine"]),
        ("Inference", ["Graph", "Spec", "Engine"]),
        ("Training", ["Graph", "Spec", "Engine"]),
        ("Onnx", ["Graph", "Spec", "Engine"]),
        ("ML", ["Onnx", "Inference", "Training", "Graph", "Spec", "Engine"]),
    ];

    private static readonly string Root = Path.Combine(Repo.Root, "src", "MlNetVae");

    /// <summary>A file that uses a layer above its own through a fully qualified name, with no using line.</summary>
    private const string Probe = "Spec/Upward.cs";

    /// <summary>The tree's edges, compiled once with the probe beside it (nothing uses the probe, so it changes no other edge).</summary>
    private static readonly Lazy<IReadOnlyList<LayerEdge>> AllEdges = new(() => LayerCheck.Edges(Root, new Dictionary<string, string>
    {
        [Probe] = "namespace MlNetVae.Spec;\ninternal static class Upward\n{\n    public static object Make() => typeof(MlNetVae.ML.VaeCursor);\n}\n",
    }));

    [Test]
    public void EveryFolderOfTheLibraryIsALayer() =>
        Assert.That(LayerCheck.Layers(Root), Is.EquivalentTo(Library.Select(l => l.Layer)), "place a new folder in LayerTests.Library");

    [Test]
    public void EachLayerUsesOnlyTheLayersBelowIt()
    {
        var violations = Violations(AllEdges.Value.Where(e => !e.Where.StartsWith(Probe, StringComparison.Ordinal)));
        Assert.That(violations, Is.Empty, string.Join("\n", violations));
    }

    [Test]
    public void TheTableIsOrderedBottomToTop()
    {
        var seen = new HashSet<string>();
        foreach (var (layer, mayUse) in Library)
        {
            Assert.That(mayUse, Is.SubsetOf(seen), $"{layer} may only use layers listed before it");
            seen.Add(layer);
        }
    }

    /// <summary>The check catches an upward use, even through a fully qualified name with no using line.</summary>
    [Test]
    public void AnUpwardUseFailsWithTheFileLineAndType() =>
        Assert.That(Violations(AllEdges.Value), Is.EqualTo(new[] { "Spec/Upward.cs:4: Spec uses ML (VaeCursor)" }));

    private static string[] Violations(IEnumerable<LayerEdge> edges)
    {
        var allowed = Library.ToDictionary(l => l.Layer, l => l.MayUse);
        return edges.Where(e => !allowed.TryGetValue(e.From, out var may) || !may.Contains(e.To))
            .GroupBy(e => (e.From, e.To, e.Used)).Select(g => g.First().ToString()).Order(StringComparer.Ordinal).ToArray();
    }
}
