using System.Reflection;
using System.Security;
using NUnit.Framework;

namespace MlNetVae.Package.Tests;

/// <summary>
/// Packs the solution once (`dotnet pack MlNetVae.sln`) into a folder that the test applications install from, as a
/// user installs from nuget.org. The applications get a NuGet configuration of their own: our packages come only from
/// that folder and are extracted into a private packages folder, so no copy left in the machine's NuGet cache by an
/// earlier build can stand in for them; everything else comes from the machine's cache (read-only) or nuget.org.
/// </summary>
[SetUpFixture]
public sealed class PackageFeed
{
    /// <summary>The repository root (where MlNetVae.sln is).</summary>
    public static string Repository { get; } = typeof(PackageFeed).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>A temporary folder for everything below; the applications are made in subfolders, under its nuget.config.</summary>
    public static string Work { get; private set; } = "";

    /// <summary>What `dotnet pack MlNetVae.sln` wrote.</summary>
    public static string Feed => Path.Combine(Work, "feed");

    /// <summary>The machine's NuGet global packages folder, where restored third-party packages are found.</summary>
    public static string MachinePackages { get; private set; } = "";

    /// <summary>The applications' packages folder: ours, and whatever the machine's cache lacks.</summary>
    public static string AppPackages => Path.Combine(Work, "packages");

    /// <summary>The NuGet configuration every application here restores with.</summary>
    public static string NuGetConfig => Path.Combine(Work, "nuget.config");

    [OneTimeSetUp]
    public void PackTheSolution()
    {
        Work = Directory.CreateTempSubdirectory("mlnetvae-package-tests-").FullName;
        Dotnet.Build(Repository, "pack", "MlNetVae.sln", "-o", Feed);

        string locals = Dotnet.Run(Work, "nuget", "locals", "global-packages", "--list");
        MachinePackages = locals[(locals.IndexOf(':') + 1)..].Trim();
        // An id/version folder there is used in place of any source, so a copy from an earlier pack would win.
        foreach (string id in Directory.GetFiles(Feed, "*.nupkg").Select(PackageId))
        {
            string stale = Path.Combine(MachinePackages, id.ToLowerInvariant());
            if (Directory.Exists(stale)) Directory.Delete(stale, recursive: true);
        }

        File.WriteAllText(NuGetConfig, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{SecurityElement.Escape(AppPackages)}" />
              </config>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{SecurityElement.Escape(MachinePackages)}" />
              </fallbackPackageFolders>
              <packageSources>
                <clear />
                <add key="packed" value="{SecurityElement.Escape(Feed)}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="packed">
                  <package pattern="MlNetVae" />
                  <package pattern="MlNetVae.*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        // Nothing above the applications' folders may add build logic of its own.
        File.WriteAllText(Path.Combine(Work, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(Work, "Directory.Build.targets"), "<Project />");
    }

    [OneTimeTearDown]
    public void Delete()
    {
        if (Work != "" && Directory.Exists(Work)) Directory.Delete(Work, recursive: true);
    }

    /// <summary>The package id of a file named id.1.0.0.nupkg (ids here contain dots, versions are three numbers).</summary>
    public static string PackageId(string nupkg)
    {
        string name = Path.GetFileNameWithoutExtension(nupkg);
        return string.Join('.', name.Split('.').SkipLast(3));
    }
}
