using System.Diagnostics;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>Runs a program of the test output folder in a fresh process: MlNetVae.TestWriter or the mlnetvae CLI.</summary>
internal static class ChildProcess
{
    /// <summary>MlNetVae.TestWriter with <paramref name="args"/>; fails the test if it runs longer than <paramref name="seconds"/>.</summary>
    public static (int Code, string Out, string Err) TestWriter(int seconds, params string[] args) =>
        Run(Start([Path.Combine(AppContext.BaseDirectory, "MlNetVae.TestWriter.dll"), .. args]), seconds);

    /// <summary>The CLI's own app host, started but not awaited (stdout and stderr discarded).</summary>
    public static Process StartCli(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "MlNetVae.Cli"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The CLI's app host with <paramref name="args"/>, run to the end.</summary>
    public static (int Code, string Out, string Err) Cli(int seconds, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "MlNetVae.Cli"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return Run(start, seconds);
    }

    private static ProcessStartInfo Start(string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    private static (int Code, string Out, string Err) Run(ProcessStartInfo start, int seconds)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(seconds)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(start.FileName)} {string.Join(' ', start.ArgumentList)} ran longer than {seconds} s");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
