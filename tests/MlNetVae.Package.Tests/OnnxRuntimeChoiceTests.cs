using NUnit.Framework;

namespace MlNetVae.Package.Tests;

/// <summary>
/// Our packages beside an application's own choice of ONNX Runtime: each combination restores, builds and publishes
/// for linux-x64 (no NETSDK1152, "found multiple publish output files with the same relative path"), and the one
/// libonnxruntime.so it ships is the build the application asked for: the CUDA build as soon as any package brings
/// it, the CPU build otherwise.
/// </summary>
public sealed class OnnxRuntimeChoiceTests
{
    private const string Cpu = "Microsoft.ML.OnnxRuntime", Gpu = "Microsoft.ML.OnnxRuntime.Gpu.Linux";

    [Test]
    public void AnAppThatAlsoReferencesOnnxRuntimePublishesForLinuxAndRuns()
    {
        var app = Publish("own-cpu", expected: Cpu, ("MlNetVae", "1.0.0"), ("Microsoft.ML.OnnxRuntime", "1.32.0"));
        Assert.That(app.RunPublished(SensorData.Write(Path.Combine(app.Directory, "data"))), Does.Contain("AUC"));
    }

    /// <summary>
    /// The documented GPU extra: its publish carries the Linux CUDA provider and no Windows library (the GPU package's
    /// own build logic would copy 217 MB of them into every x64 output), its portable build has the CUDA build for both
    /// platforms, and on this machine without a GPU it trains and scores on the CPU.
    /// </summary>
    [Test]
    public void TheGpuExtraBuildsAndPublishesWithTheCudaBuildOnlyAndRunsOnTheCpu()
    {
        var app = Publish("gpu-extra", expected: Gpu, ("MlNetVae.Gpu", "1.0.0"));
        Assert.That(File.Exists(Path.Combine(app.PublishDirectory, "libonnxruntime_providers_cuda.so")), Is.True);
        Assert.That(Directory.GetFiles(app.PublishDirectory, "*.dll").Select(Path.GetFileName), Has.None.StartWith("onnxruntime"));
        Assert.That(app.RunPublished(SensorData.Write(Path.Combine(app.Directory, "data"))), Does.Contain("AUC"));

        app.Build();
        Assert.That(Hash(Path.Combine(app.BuildDirectory, "runtimes", "linux-x64", "native", "libonnxruntime.so")),
            Is.EqualTo(Hash(PackageFile(Gpu, "runtimes/linux-x64/native/libonnxruntime.so"))));
        Assert.That(Hash(Path.Combine(app.BuildDirectory, "runtimes", "win-x64", "native", "onnxruntime.dll")),
            Is.EqualTo(Hash(PackageFile("Microsoft.ML.OnnxRuntime.Gpu.Windows", "runtimes/win-x64/native/onnxruntime.dll"))));
        Assert.That(File.Exists(Path.Combine(app.BuildDirectory, "onnxruntime.dll")), Is.False, "no Windows library outside runtimes/");
    }

    /// <summary>The way ML.NET leaves the choice to the application: its own reference to the GPU package.</summary>
    [Test]
    public void AnAppsOwnGpuOnnxRuntimeReplacesTheCpuBuild() =>
        Publish("own-gpu", expected: Gpu, ("MlNetVae", "1.0.0"), ("Microsoft.ML.OnnxRuntime.Gpu", "1.32.0"));

    [Test]
    public void TheGpuExtraBesideAnAppsOwnCpuOnnxRuntimeKeepsTheCudaBuild() =>
        Publish("gpu-extra-own-cpu", expected: Gpu, ("MlNetVae.Gpu", "1.0.0"), ("Microsoft.ML.OnnxRuntime", "1.32.0"));

    /// <summary>Publishes the README's program with <paramref name="packages"/> and Microsoft.ML 6.0.0.</summary>
    private static ConsumerApp Publish(string name, string expected, params (string Id, string Version)[] packages)
    {
        var app = new ConsumerApp(name, ConsumerApp.ReadmePipeline(), [.. packages, ("Microsoft.ML", "6.0.0")]);
        app.PublishLinuxX64();
        long bytes = app.PublishedBytes();
        TestContext.Out.WriteLine($"linux-x64 publish with {string.Join(" + ", packages.Select(p => $"{p.Id} {p.Version}"))}: {bytes / 1e6:F1} MB");
        var natives = Directory.GetFiles(app.PublishDirectory, "libonnxruntime.so", SearchOption.AllDirectories);
        Assert.That(natives, Has.Length.EqualTo(1));
        Assert.That(Hash(natives[0]), Is.EqualTo(Hash(PackageFile(expected, "runtimes/linux-x64/native/libonnxruntime.so"))),
            $"the libonnxruntime.so of {expected}");
        return app;
    }

    /// <summary>A file of a restored package version 1.32.0, from the machine's cache or the applications' own folder.</summary>
    private static string PackageFile(string id, string path)
    {
        string[] candidates = [.. new[] { PackageFeed.MachinePackages, PackageFeed.AppPackages }
            .Select(root => Path.Combine(root, id.ToLowerInvariant(), "1.32.0", path))];
        return candidates.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException($"{id} 1.32.0 has no {path}: looked at {string.Join(", ", candidates)}");
    }

    private static string Hash(string path) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
}
