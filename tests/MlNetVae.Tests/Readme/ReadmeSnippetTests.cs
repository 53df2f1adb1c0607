using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace MlNetVae.Tests.Readme;

/// <summary>
/// Every C# block of README.md compiles as a program of its own, against this build of MlNetVae and ML.NET, with
/// warnings as errors, as a new user pasting it into a console app would find it.
/// </summary>
public partial class ReadmeSnippetTests
{
    public static IEnumerable<TestCaseData> Blocks()
    {
        string readme = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "README.md"));
        int i = 0;
        foreach (Match m in CSharpBlock().Matches(readme))
        {
            int line = readme[..m.Index].Count(c => c == '\n') + 1;
            yield return new TestCaseData(m.Groups[1].Value).SetName($"ReadmeBlock{++i}AtLine{line}Compiles");
        }
    }

    [Test]
    public void TheReadmeHasCSharpBlocks() => Assert.That(Blocks().Count(), Is.GreaterThanOrEqualTo(2));

    [TestCaseSource(nameof(Blocks))]
    public void Compiles(string code)
    {
        var problems = Problems(code);
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    /// <summary>The check itself catches what broke the old README: types declared before top-level statements (CS8803), and type errors.</summary>
    [Test]
    public void TheCheckCatchesSnippetsThatDoNotCompile()
    {
        Assert.That(Problems("public sealed class A { }\nConsole.WriteLine(1);"), Has.Some.Contains("CS8803"));
        Assert.That(Problems("int x = \"text\";"), Has.Some.Contains("CS0029"));
    }

    private static string[] Problems(string code)
    {
        // Force-load what a user's project would reference, so its assemblies are among the references below.
        _ = typeof(MlNetVae.VaeEstimator).Assembly;
        _ = typeof(Microsoft.ML.MLContext).Assembly;
        _ = typeof(Microsoft.ML.Data.VectorTypeAttribute).Assembly;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsDynamic && a.Location != "").Select(a => a.Location))
            .Concat(Directory.GetFiles(TestContext.CurrentContext.TestDirectory, "Microsoft.ML*.dll"))
            // The TorchSharp block: this project does not reference the backend (libtorch stays out of its output); the
            // backend's tests, built beside it, hold both assemblies.
            .Concat(new[] { "MlNetVae.TorchSharp.dll", "TorchSharp.dll" }.Select(f => Path.Combine(Repo.Root, "tests", "MlNetVae.TorchSharp.Tests", "bin", Repo.Configuration, "net10.0", f)))
            .Distinct().Select(path => MetadataReference.CreateFromFile(path));
        var globalUsings = "global using System; global using System.IO; global using System.Linq; global using System.Collections.Generic;";
        var compilation = CSharpCompilation.Create("ReadmeSnippet",
            [CSharpSyntaxTree.ParseText(globalUsings), CSharpSyntaxTree.ParseText(code)],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable, generalDiagnosticOption: ReportDiagnostic.Error));
        return compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id != "CS8019").Select(d => d.ToString()).ToArray();
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
