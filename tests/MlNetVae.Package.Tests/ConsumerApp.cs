using System.Security;

namespace MlNetVae.Package.Tests;

/// <summary>
/// A brand-new console application, as `dotnet new console` and `dotnet add package` make it, in its own folder under
/// <see cref="PackageFeed.Work"/> (so it restores with the feed's NuGet configuration).
/// </summary>
internal sealed class ConsumerApp
{
    public string Name { get; }
    public string Directory { get; }
    public string PublishDirectory => Path.Combine(Directory, "publish");
    public string BuildDirectory => Path.Combine(Directory, "bin", "Release", "net10.0");

    /// <param name="packages">id and version of each package reference.</param>
    public ConsumerApp(string name, string program, params (string Id, string Version)[] packages)
    {
        Name = name;
        Directory = Path.Combine(PackageFeed.Work, name);
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(Path.Combine(Directory, "Program.cs"), program);
        File.WriteAllText(Path.Combine(Directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
            {string.Join('\n', packages.Select(p => $"""    <PackageReference Include="{SecurityElement.Escape(p.Id)}" Version="{p.Version}" />"""))}
              </ItemGroup>
            </Project>
            """);
    }

    /// <summary>`dotnet build`: the portable output, every platform's natives under runtimes/.</summary>
    public void Build() => Dotnet.Build(Directory, "build");

    /// <summary>`dotnet publish -r linux-x64` (framework-dependent) into <see cref="PublishDirectory"/>.</summary>
    public void PublishLinuxX64() => Dotnet.Build(Directory, "publish", "-r", "linux-x64", "-o", PublishDirectory);

    /// <summary>Runs the published application in <paramref name="workingDirectory"/>; its output.</summary>
    public string RunPublished(string workingDirectory, params string[] args) =>
        Dotnet.Program(workingDirectory, Path.Combine(PublishDirectory, Name), args);

    /// <summary>Bytes of every file the publish wrote.</summary>
    public long PublishedBytes() =>
        new DirectoryInfo(PublishDirectory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    /// <summary>The C# block under "## In an ML.NET pipeline" in README.md, as a user copies it.</summary>
    public static string ReadmePipeline()
    {
        string readme = File.ReadAllText(Path.Combine(PackageFeed.Repository, "README.md"));
        int section = readme.IndexOf("\n## In an ML.NET pipeline\n", StringComparison.Ordinal);
        if (section < 0) throw new InvalidOperationException("README.md has no section \"## In an ML.NET pipeline\"");
        const string open = "```csharp\n";
        int start = readme.IndexOf(open, section, StringComparison.Ordinal);
        if (start < 0) throw new InvalidOperationException("README.md has no ```csharp block under \"## In an ML.NET pipeline\"");
        start += open.Length;
        return readme[start..(readme.IndexOf("\n```", start, StringComparison.Ordinal) + 1)];
    }

    /// <summary>The classes the README's pipeline block declares (Reading, Prediction), for other programs on the same rows.</summary>
    public static string ReadmeTypes()
    {
        string block = ReadmePipeline();
        return block[block.IndexOf("public sealed class", StringComparison.Ordinal)..];
    }
}
