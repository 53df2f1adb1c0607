using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MlNetVae.Tests.Layers;

/// <summary>One use of a type of another layer: where it is, and what it uses.</summary>
internal sealed record LayerEdge(string From, string To, string Where, string Used)
{
    public override string ToString() => $"{Where}: {From} uses {To} ({Used})";
}

/// <summary>
/// The layers of one source tree and which types each uses from the others, as the compiler binds them: a folder under
/// the root is a layer, every name in a file is resolved to the type that declares it (fully qualified names, extension
/// methods and nested types included), and the type's own file says which layer it belongs to. Namespaces do not count:
/// the public types of every layer share the namespace <c>MlNetVae</c>, so a layer is where a type's file lives.
/// </summary>
internal static class LayerCheck
{
    /// <summary>The edges between different layers of the C# files under <paramref name="root"/> (plus <paramref name="extra"/> files, path -> text).</summary>
    public static IReadOnlyList<LayerEdge> Edges(string root, IReadOnlyDictionary<string, string>? extra = null)
    {
        var files = Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(Path.GetRelativePath(root, f)))
            .ToDictionary(f => f, File.ReadAllText);
        foreach (var (path, text) in extra ?? new Dictionary<string, string>()) files[Path.Combine(root, path)] = text;
        var options = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Value, options, f.Key)).ToList();
        trees.Add(CSharpSyntaxTree.ParseText(ImplicitUsings, options));
        var compilation = CSharpCompilation.Create("LayerCheck", trees, References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));

        var edges = new List<LayerEdge>();
        foreach (var tree in trees.Where(t => t.FilePath != ""))
        {
            string from = Layer(root, tree.FilePath);
            var model = compilation.GetSemanticModel(tree);
            foreach (var name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                var info = model.GetSymbolInfo(name);
                var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                var declaring = symbol as INamedTypeSymbol ?? symbol?.ContainingType;
                var file = declaring?.OriginalDefinition.DeclaringSyntaxReferences.FirstOrDefault()?.SyntaxTree.FilePath;
                if (string.IsNullOrEmpty(file)) continue; // a library type, or one the compiler generated
                string to = Layer(root, file);
                if (to == from) continue;
                int line = name.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                edges.Add(new LayerEdge(from, to, $"{Path.GetRelativePath(root, tree.FilePath)}:{line}", declaring!.OriginalDefinition.Name));
            }
        }
        return edges;
    }

    /// <summary>The layer of a file: the first folder under the root ("" for files at the root itself).</summary>
    public static string Layer(string root, string file)
    {
        var parts = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
        return parts.Length > 1 ? parts[0] : "";
    }

    /// <summary>The layers (top-level folders holding C# files) under <paramref name="root"/>.</summary>
    public static IReadOnlySet<string> Layers(string root) => Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
        .Where(f => !IsBuildOutput(Path.GetRelativePath(root, f)))
        .Select(f => Layer(root, f)).ToHashSet();

    private static bool IsBuildOutput(string relative) =>
        relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal) || relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    // The project's ImplicitUsings, which the SDK writes into a generated file under obj/.
    private const string ImplicitUsings = "global using System; global using System.IO; global using System.Linq; global using System.Collections.Generic; " +
        "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";

    /// <summary>The framework and the packages the library builds against, but not the library itself (its sources are compiled here).</summary>
    private static IEnumerable<MetadataReference> References()
    {
        string here = AppContext.BaseDirectory;
        var ours = new[] { "MlNetVae.dll", "MlNetVae.Cli.dll", "MlNetVae.TestWriter.dll", "MlNetVae.Tests.dll" };
        return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.GetFiles(here, "*.dll"))
            .Where(p => !ours.Contains(Path.GetFileName(p)) && IsManaged(p))
            .Distinct()
            .Select(p => MetadataReference.CreateFromFile(p));
    }

    private static bool IsManaged(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
