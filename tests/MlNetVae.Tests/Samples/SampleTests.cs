using System.Diagnostics;
using NUnit.Framework;

namespace MlNetVae.Tests.Samples;

/// <summary>
/// The samples run as a user runs them (the solution builds them beside the tests). samples/TabularAnomaly exits 0 only
/// when the VAE's AUC beats RandomizedPca's on its data, after saving, reloading and predicting.
/// </summary>
public class SampleTests
{
    [Test]
    public void TheTabularSampleBeatsRandomizedPcaAndReloads()
    {
        string dll = Path.Combine(Repo.Root, "samples", "TabularAnomaly", "bin", Repo.Configuration, "net10.0", "TabularAnomaly.dll");
        Assert.That(File.Exists(dll), Is.True, $"{dll} was not built (the solution builds the samples)");
        var start = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd(), errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        TestContext.Out.WriteLine(output + errors);
        Assert.That(process.ExitCode, Is.Zero, output + errors);
        var auc = output.Split('\n').Where(l => l.Contains(" AUC ")).Select(l => double.Parse(l.Split("AUC ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.That(auc, Has.Length.EqualTo(2));
        Assert.That(auc[0], Is.GreaterThan(auc[1]), "VAE AUC vs RandomizedPca AUC");
        Assert.That(output, Does.Contain("flagged"));
    }
}
