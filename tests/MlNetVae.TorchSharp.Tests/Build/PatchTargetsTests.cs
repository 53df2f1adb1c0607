using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace MlNetVae.TorchSharp.Tests.Build;

/// <summary>Real builds of a small application that references TorchSharp and imports the targets the way a NuGet
/// consumer of MlNetVae.TorchSharp does, pointed at fake libstdc++ builds so the outcome is the same on any machine.</summary>
public sealed class PatchTargetsTests
{
    private string directory = "";

    [SetUp]
    public void CreateDirectory() => directory = Directory.CreateTempSubdirectory("mlnetvae-probe-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(directory, recursive: true);

    [Test]
    public void The_build_patches_its_copy_only_for_an_old_libstdcxx_never_the_cache_and_a_second_build_writes_nothing()
    {
        string gcc14 = NativeFiles.FakeLibStdCxx(Path.Combine(directory, "gcc14"), glibcxx: 33, cxxabi: 15);
        string gcc12 = NativeFiles.FakeLibStdCxx(Path.Combine(directory, "gcc12"), glibcxx: 30, cxxabi: 13);
        string cacheHash = Hash(NativeFiles.PackageLibTorchSharp);
        string project = CreateProbe();
        string copy = Path.Combine(project, "bin/Release/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so");
        // With hard links the copy step links files instead of copying them, so writing into an output file in place
        // would write into the NuGet cache.
        const string HardLinks = "-p:CreateHardLinksForCopyLocalIfPossible=true";

        string newer = Build(project, $"-p:MlNetVaeLibStdCxx={gcc14} {HardLinks}");

        Assert.That(newer, Does.Not.Contain("MlNetVae.TorchSharp: patched"));
        Assert.That(Hash(copy), Is.EqualTo(cacheHash));

        // The same folder built against another libstdc++ (as in a checkout shared between machines) is checked again.
        string older = Build(project, $"-p:MlNetVaeLibStdCxx={gcc12} {HardLinks}");

        Assert.That(older, Does.Match(
            $"MlNetVae.TorchSharp: patched {Regex.Escape(project)}/obj/Release/net10.0/mlnetvae-torchsharp/[^/]+/libLibTorchSharp.so to load with {Regex.Escape(gcc12)}, which lacks {NativeFiles.Version} "));
        Assert.That(NativeFiles.NeedFlags(copy, NativeFiles.Version), Is.EqualTo("WEAK"));
        Assert.That(Hash(NativeFiles.PackageLibTorchSharp), Is.EqualTo(cacheHash));
        Assert.That(NativeFiles.Inode(copy), Is.Not.EqualTo(NativeFiles.Inode(NativeFiles.PackageLibTorchSharp)));
        Assert.That(NativeFiles.Inode(Path.Combine(project, "bin/Release/net10.0/runtimes/win-x64/native/LibTorchSharp.dll")),
            Is.EqualTo(NativeFiles.Inode(Path.Combine(Path.GetDirectoryName(NativeFiles.PackageLibTorchSharp)!, "../../win-x64/native/LibTorchSharp.dll"))),
            "the other copies are hard links, so the test covers that case");

        (string inode, DateTime time, string hash) before = (NativeFiles.Inode(copy), File.GetLastWriteTimeUtc(copy), Hash(copy));
        string again = Build(project, $"-p:MlNetVaeLibStdCxx={gcc12} {HardLinks}");

        Assert.That(again, Does.Not.Contain("MlNetVae.TorchSharp: patched"));
        Assert.That((NativeFiles.Inode(copy), File.GetLastWriteTimeUtc(copy), Hash(copy)), Is.EqualTo(before));
    }

    private string CreateProbe()
    {
        string project = Path.Combine(directory, "probe");
        Directory.CreateDirectory(project);
        // Empty Directory.Build files stop MSBuild from picking up any found above the temporary folder.
        File.WriteAllText(Path.Combine(project, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(project, "Directory.Build.targets"), "<Project />");
        File.WriteAllText(Path.Combine(project, "Program.cs"), "System.Console.WriteLine();");
        File.WriteAllText(Path.Combine(project, "probe.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup><PackageReference Include="TorchSharp" Version="0.107.0" /></ItemGroup>
              <Import Project="{Path.Combine(AppContext.BaseDirectory, "buildTransitive", "MlNetVae.TorchSharp.targets")}" />
            </Project>
            """);
        return project;
    }

    private static string Build(string project, string properties)
    {
        var start = new ProcessStartInfo("dotnet", $"build -c Release --nologo --disable-build-servers -nodeReuse:false {properties}")
        {
            WorkingDirectory = project,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The test host inherits MSBuild settings from the `dotnet test` that started it; the probe needs its own.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"probe build failed:\n{output}\n{error.Result}");
        return output;
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
