using System.Diagnostics;
using NUnit.Framework;

namespace MlNetVae.Package.Tests;

/// <summary>Runs the .NET SDK (or a program it built) the way a user's shell does, and fails the test with its output when it fails.</summary>
internal static class Dotnet
{
    /// <summary>`dotnet <paramref name="args"/>` in <paramref name="directory"/>; its standard output and error.</summary>
    public static string Run(string directory, params string[] args) => Program(directory, "dotnet", args);

    /// <summary>
    /// `dotnet <paramref name="command"/>` (build, publish, pack) with no build servers left behind: a compiler server
    /// or MSBuild node started here would keep this process's output pipes open and outlive the test run.
    /// </summary>
    public static string Build(string directory, string command, params string[] args) =>
        Run(directory, [command, "-c", "Release", "--nologo", "--disable-build-servers", "-nodeReuse:false", .. args]);

    /// <summary><paramref name="program"/> with <paramref name="args"/> in <paramref name="directory"/>, at most 15 minutes.</summary>
    public static string Program(string directory, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args) start.ArgumentList.Add(a);
        // The test host inherits MSBuild settings from the `dotnet test` that started it; these builds need their own.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        string commandLine = $"{Path.GetFileName(program)} {string.Join(' ', args)}";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"`{commandLine}` in {directory} ran longer than 15 minutes");
        }
        process.WaitForExit();
        string output = stdout.Result + stderr.Result;
        TestContext.Progress.WriteLine($"  {commandLine}: {clock.Elapsed.TotalSeconds:F0} s");
        Assert.That(process.ExitCode, Is.Zero, $"`{commandLine}` in {directory} exited with {process.ExitCode}:\n{Tail(output)}");
        return output;
    }

    private static string Tail(string output)
    {
        var lines = output.Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 60)));
    }
}
