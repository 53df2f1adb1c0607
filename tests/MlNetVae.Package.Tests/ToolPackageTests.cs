using NUnit.Framework;

namespace MlNetVae.Package.Tests;

/// <summary>The CLI as users get it: `dotnet tool install MlNetVae.Cli` picks this machine's platform package, and the `mlnetvae` it installs trains, saves and scores.</summary>
public sealed class ToolPackageTests
{
    [Test]
    public void TheToolInstallsAndTrainsAndScores()
    {
        string tools = Path.Combine(PackageFeed.Work, "tools");
        Dotnet.Run(PackageFeed.Work, "tool", "install", "MlNetVae.Cli", "--version", "1.0.0", "--tool-path", tools, "--configfile", PackageFeed.NuGetConfig);
        Assert.That(Directory.GetDirectories(Path.Combine(tools, ".store", "mlnetvae.cli", "1.0.0")).Select(Path.GetFileName),
            Is.EquivalentTo(new[] { "mlnetvae.cli", "mlnetvae.cli.linux-x64" }), "the pointer package and this platform's, no other");

        string data = SensorData.Write(Path.Combine(PackageFeed.Work, "tool-data"));
        string mlnetvae = Path.Combine(tools, "mlnetvae");
        Dotnet.Program(data, mlnetvae, "train", "--data", "normal.csv", "--label-column", "Label", "--epochs", "3", "--out", "model.zip");
        Dotnet.Program(data, mlnetvae, "score", "--model", "model.zip", "--data", "incoming.csv", "--out", "scores.csv");
        Assert.That(File.ReadAllLines(Path.Combine(data, "scores.csv")), Has.Length.EqualTo(SensorData.IncomingRows + 1));
    }
}
