using System.Runtime.InteropServices;
using TorchSharp;

namespace MlNetVae.TorchSharp;

/// <summary>Loads libtorch and TorchSharp's native wrapper once per process and sets libtorch's thread count.</summary>
internal static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool loaded;

    /// <summary>Loads the native libraries on the first call and, when <paramref name="threads"/> is positive, sets
    /// the number of threads libtorch uses inside one operation (0 keeps libtorch's choice).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The native libraries did not load; the message names the library,
    /// the loader's reason and the fix.</exception>
    public static void Initialize(int threads = 0)
    {
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), $"threads must be 0 (libtorch's default) or positive, not {threads}");
        lock (Gate)
        {
            if (!loaded)
            {
                try
                {
                    torch.InitializeDeviceType(DeviceType.CPU);
                }
                catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException)
                {
                    // TorchSharp's own message is a page of probing trace that never shows the loader's reason.
                    throw new InvalidOperationException(DescribeLoadFailure(Path.GetDirectoryName(typeof(torch).Assembly.Location)!), e);
                }
                loaded = true;
            }
            if (threads > 0) torch.set_num_threads(threads);
        }
    }

    /// <summary>One line: which native wrapper failed to load from the application folder, the loader's reason, and the fix.</summary>
    internal static string DescribeLoadFailure(string applicationDirectory)
    {
        string file = OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        // A portable build keeps it under runtimes/<rid>/native/, a build for one runtime identifier next to the app.
        string? path = new[] { Path.Combine(applicationDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", file),
            Path.Combine(applicationDirectory, file) }
            .FirstOrDefault(File.Exists);
        if (path is null)
            return $"TorchSharp's native wrapper {file} is not in {applicationDirectory}: reference the NuGet package TorchSharp-cpu 0.107.0 from the " +
                $"application (MlNetVae.TorchSharp does) and rebuild it";
        string reason;
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
            reason = "it loads on its own, so libtorch itself failed";
        }
        catch (DllNotFoundException e)
        {
            // .NET puts the loader's own message (dlerror) on the last line.
            reason = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        }
        string fix = reason.Contains("GLIBCXX_", StringComparison.Ordinal)
            ? "this system's libstdc++ is older than the one TorchSharp was built with; build the application with a reference to MlNetVae.TorchSharp " +
                "(its build patches this copy, see README \"TorchSharp on Debian 12 / Ubuntu 22.04\") rather than copying the files, or install " +
                    "libstdc++ from GCC 13 or later"
            : "check that libtorch (the package libtorch-cpu-linux-x64, -win-x64 or -osx-arm64) was copied beside it";
        return $"TorchSharp could not load {path}: {reason}; {fix}";
    }
}
