using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using NUnit.Framework;

namespace MlNetVae.Package.Tests;

/// <summary>What `dotnet pack MlNetVae.sln` writes: the packages meant to ship and nothing else, each described, licensed and sized for nuget.org.</summary>
public sealed class ShippedPackagesTests
{
    private static readonly string[] ToolPlatforms = ["linux-x64", "linux-arm64", "osx-arm64", "win-x64", "win-arm64"];

    [Test]
    public void TheSolutionPacksTheShippingPackagesAndNothingElse()
    {
        string[] withCode = ["MlNetVae", "MlNetVae.TorchSharp", .. ToolPlatforms.Select(rid => $"MlNetVae.Cli.{rid}")];
        string[] expected = [.. withCode.Select(id => $"{id}.1.0.0.nupkg"), .. withCode.Select(id => $"{id}.1.0.0.snupkg"),
            "MlNetVae.Gpu.1.0.0.nupkg", "MlNetVae.Cli.1.0.0.nupkg"];
        Assert.That(Directory.GetFiles(PackageFeed.Feed).Select(Path.GetFileName), Is.EquivalentTo(expected));
        foreach (string id in withCode)
            using (var symbols = ZipFile.OpenRead(Path.Combine(PackageFeed.Feed, $"{id}.1.0.0.snupkg")))
                Assert.That(symbols.Entries.Select(e => e.Name), Has.Some.EndsWith(".pdb"), id);
    }

    /// <summary>Every package the test above expects (test cases are named before anything is packed).</summary>
    public static IEnumerable<string> Packages() =>
        ["MlNetVae.1.0.0.nupkg", "MlNetVae.Gpu.1.0.0.nupkg", "MlNetVae.TorchSharp.1.0.0.nupkg", "MlNetVae.Cli.1.0.0.nupkg",
         .. ToolPlatforms.Select(rid => $"MlNetVae.Cli.{rid}.1.0.0.nupkg")];

    [TestCaseSource(nameof(Packages))]
    public void EveryPackageSaysWhatItIsUnderTheMitLicenseWithTheReadme(string file)
    {
        string path = Path.Combine(PackageFeed.Feed, file);
        using var package = ZipFile.OpenRead(path);
        var metadata = Nuspec(package);
        string Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

        Assert.That(Field("id"), Is.EqualTo(PackageFeed.PackageId(file)));
        Assert.That(Field("version"), Is.EqualTo("1.0.0"));
        Assert.That(Field("description"), Does.Not.Contain("Package Description").And.Length.GreaterThan(60));
        Assert.That(Field("license"), Is.EqualTo("MIT"));
        Assert.That(metadata.Elements().Single(e => e.Name.LocalName == "license").Attribute("type")?.Value, Is.EqualTo("expression"));
        Assert.That(Field("readme"), Is.EqualTo("README.md"));
        Assert.That(package.GetEntry("README.md"), Is.Not.Null);
        Assert.That(Field("projectUrl"), Is.EqualTo("https://github.com/mlnetvae/mlnetvae"));
        Assert.That(metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("url")?.Value, Is.EqualTo("https://github.com/mlnetvae/mlnetvae"));
        Assert.That(Field("tags"), Does.Contain("ML.NET"));

        // nuget.org refuses packages over 250 MB.
        long bytes = new FileInfo(path).Length;
        TestContext.Out.WriteLine($"{file}: {bytes / 1e6:F2} MB");
        Assert.That(bytes, Is.LessThan(250_000_000));
    }

    /// <summary>ML.NET 6.0 and ONNX Runtime's CPU build for every platform, no GPU build; the assembly version stays 1.0.0.0 (saved models name it).</summary>
    [Test]
    public void TheCoreDependsOnMlNet6AndTheCpuOnnxRuntimeAndKeepsItsAssemblyVersion()
    {
        using var package = ZipFile.OpenRead(Path.Combine(PackageFeed.Feed, "MlNetVae.1.0.0.nupkg"));
        Assert.That(Dependencies(package), Is.SupersetOf(new[]
        {
            "Microsoft.ML 6.0.0", "Microsoft.ML.OnnxTransformer 6.0.0", "Microsoft.ML.OnnxRuntime 1.32.0",
        }).And.None.Contains("Gpu"));
        Assert.That(package.GetEntry("buildTransitive/MlNetVae.targets"), Is.Not.Null, "the build logic that lets an application's ONNX Runtime win");

        string dll = Path.Combine(PackageFeed.Work, "MlNetVae.dll");
        package.GetEntry("lib/net10.0/MlNetVae.dll")!.ExtractToFile(dll, overwrite: true);
        Assert.That(AssemblyName.GetAssemblyName(dll).Version, Is.EqualTo(new Version(1, 0, 0, 0)));
    }

    /// <summary>MlNetVae plus the GPU build, without the GPU package's build logic (Windows libraries copied into every x64 output).</summary>
    [Test]
    public void TheGpuExtraIsTheCoreWithOnnxRuntimeGpu()
    {
        using var package = ZipFile.OpenRead(Path.Combine(PackageFeed.Feed, "MlNetVae.Gpu.1.0.0.nupkg"));
        Assert.That(Dependencies(package), Is.EquivalentTo(new[] { "MlNetVae 1.0.0", "Microsoft.ML.OnnxRuntime.Gpu 1.32.0" }));
        var gpu = Nuspec(package).Descendants().Single(e => e.Name.LocalName == "dependency" && e.Attribute("id")?.Value == "Microsoft.ML.OnnxRuntime.Gpu");
        Assert.That(gpu.Attribute("exclude")?.Value.Split(','), Does.Contain("BuildTransitive"));
    }

    private static XElement Nuspec(ZipArchive package)
    {
        using var stream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/')).Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string[] Dependencies(ZipArchive package) =>
        [.. Nuspec(package).Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => $"{e.Attribute("id")!.Value} {e.Attribute("version")!.Value}")];
}
