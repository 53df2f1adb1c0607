namespace MlNetVae.Tests;

/// <summary>Where the repository and this build are, for tests that read sources or run built programs.</summary>
internal static class Repo
{
    /// <summary>The folder holding MlNetVae.sln, found upwards from the test assembly.</summary>
    public static string Root { get; } = Find();

    /// <summary>The configuration this test assembly was built in (Release or Debug).</summary>
    public static string Configuration { get; } =
        typeof(Repo).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .OfType<System.Reflection.AssemblyConfigurationAttribute>().FirstOrDefault()?.Configuration ?? "Release";

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlNetVae.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("cannot find the repository root (MlNetVae.sln)");
    }
}
