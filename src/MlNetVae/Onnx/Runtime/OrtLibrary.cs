using System.Runtime.InteropServices;

namespace MlNetVae.Onnx.Runtime;

/// <summary>
/// Finds and loads the ONNX Runtime native library. We call no [DllImport]: the one export we need,
/// OrtGetApiBase, is looked up in the loaded handle, and everything else goes through ORT's function table.
/// </summary>
internal static class OrtLibrary
{
    /// <summary>Environment variable holding the full path of the library, which then wins over every other place.</summary>
    public const string PathVariable = "MLNETVAE_ONNXRUNTIME";

    internal const string InstallHelp =
        "Install ONNX Runtime 1.30 or newer: add the NuGet package Microsoft.ML.OnnxRuntime to the application " +
        "(its runtimes/<rid>/native/ folder is searched), or set the environment variable " + PathVariable +
        " to the full path of libonnxruntime.so / onnxruntime.dll / libonnxruntime.dylib.";

    /// <summary>
    /// Loads the library from, in order: <paramref name="overridePath"/> (the environment variable) when set, else the
    /// first of <paramref name="candidates"/> that loads. Throws <see cref="DllNotFoundException"/> with
    /// <see cref="InstallHelp"/> when none does.
    /// </summary>
    public static (nint Handle, string Path) Load(string? overridePath, IEnumerable<string> candidates)
    {
        if (!string.IsNullOrEmpty(overridePath))
        {
            // An explicit path is a promise: falling back to some other copy would hide the mistake.
            if (NativeLibrary.TryLoad(overridePath, out var handle)) return (handle, overridePath);
            string why = File.Exists(overridePath) ? "exists but could not be loaded (wrong architecture or missing dependencies)" : "does not exist";
            throw new DllNotFoundException($"ONNX Runtime: {PathVariable} is '{overridePath}', which {why}. {InstallHelp}");
        }
        var tried = new List<string>();
        foreach (var candidate in candidates)
        {
            tried.Add(candidate);
            if (NativeLibrary.TryLoad(candidate, out var handle)) return (handle, candidate);
        }
        throw new DllNotFoundException($"ONNX Runtime was not found (looked for {string.Join(", ", tried)}). {InstallHelp}");
    }

    /// <summary>
    /// The places searched, in order: the application folder, its runtimes/&lt;rid&gt;/native folder (the layout of
    /// the Microsoft.ML.OnnxRuntime package), the npm package onnxruntime-node under a <c>.ort</c> folder in this
    /// folder or any parent (how the repository's tests get it), then the system loader's own search.
    /// </summary>
    public static IEnumerable<string> Candidates(string baseDirectory)
    {
        var (os, fileNames) = Platform();
        string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        foreach (var name in fileNames) yield return Path.Combine(baseDirectory, name);
        foreach (var name in fileNames) yield return Path.Combine(baseDirectory, "runtimes", $"{os}-{arch}", "native", name);
        string nodeOs = os switch { "win" => "win32", "osx" => "darwin", _ => os };
        for (var dir = new DirectoryInfo(baseDirectory); dir is not null; dir = dir.Parent)
        {
            var bin = Path.Combine(dir.FullName, ".ort", "node_modules", "onnxruntime-node", "bin");
            if (!Directory.Exists(bin)) continue;
            foreach (var napi in Directory.GetDirectories(bin, "napi-v*").Order(StringComparer.Ordinal).Reverse())
                foreach (var name in fileNames) yield return Path.Combine(napi, nodeOs, arch, name);
            break;
        }
        yield return "onnxruntime";
        foreach (var name in fileNames) yield return name;
    }

    /// <summary>The package runtime identifier's OS part and the library's file names on this OS.</summary>
    private static (string Os, string[] FileNames) Platform()
    {
        if (OperatingSystem.IsWindows()) return ("win", ["onnxruntime.dll"]);
        if (OperatingSystem.IsMacOS()) return ("osx", ["libonnxruntime.dylib"]);
        return ("linux", ["libonnxruntime.so", "libonnxruntime.so.1"]);
    }

    /// <summary>The file name of the CUDA execution provider library that sits beside the main library.</summary>
    public static string CudaProviderFileName =>
        OperatingSystem.IsWindows() ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";
}
