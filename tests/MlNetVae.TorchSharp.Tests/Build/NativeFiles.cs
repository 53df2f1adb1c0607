using System.ComponentModel;
using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace MlNetVae.TorchSharp.Tests.Build;

/// <summary>The native files the patch tests look at, fake libstdc++ builds, and binutils' readelf as the independent
/// judge of what a file defines and needs (the code under test reads the same tables its own way).</summary>
internal static partial class NativeFiles
{
    public const string Version = "GLIBCXX_3.4.32";

    /// <summary>TorchSharp's original libLibTorchSharp.so in the NuGet cache.</summary>
    public static string PackageLibTorchSharp { get; } = Path.Combine(
        typeof(NativeFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NuGetPackageRoot").Value!,
        "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>The libstdc++ this test process loaded, as the build process does.</summary>
    public static string SystemLibStdCxx => Mapped(name => name.StartsWith("libstdc++.so.6", StringComparison.Ordinal));

    /// <summary>The one file mapped into this process whose name matches, from /proc/self/maps.</summary>
    public static string Mapped(Func<string, bool> name) =>
        File.ReadLines("/proc/self/maps").Where(l => l.Contains('/')).Select(l => l[l.IndexOf('/')..]).Distinct().Single(p => name(Path.GetFileName(p)));

    /// <summary>Whether this machine's libstdc++ is older than TorchSharp 0.107 needs, so the build must patch.</summary>
    public static bool PatchNeeded => !Defines(SystemLibStdCxx, Version);

    /// <summary>A stand-in for the libstdc++ of a GCC release: an empty shared library defining GLIBCXX_3.4 to
    /// GLIBCXX_3.4.<paramref name="glibcxx"/> and CXXABI_1.3 to CXXABI_1.3.<paramref name="cxxabi"/>, as the real one does.</summary>
    public static string FakeLibStdCxx(string directory, int glibcxx, int cxxabi)
    {
        Directory.CreateDirectory(directory);
        IEnumerable<string> versions = Enumerable.Range(0, glibcxx + 1).Select(i => i == 0 ? "GLIBCXX_3.4" : $"GLIBCXX_3.4.{i}")
            .Concat(Enumerable.Range(0, cxxabi + 1).Select(i => i == 0 ? "CXXABI_1.3" : $"CXXABI_1.3.{i}"));
        string script = Path.Combine(directory, "versions.map"), empty = Path.Combine(directory, "empty.o"), library = Path.Combine(directory, "libstdc++.so.6");
        File.WriteAllLines(script, versions.Select(v => v + " { };"));
        Run("as", $"/dev/null -o {empty}");
        Run("ld", $"-shared -soname libstdc++.so.6 --version-script={script} -o {library} {empty}");
        return library;
    }

    /// <summary>Whether readelf lists <paramref name="version"/> among the versions <paramref name="library"/> defines.</summary>
    public static bool Defines(string library, string version) =>
        DefinitionLine().Matches(Run("readelf", $"-V -W {library}")).Any(m => m.Groups[1].Value == version);

    /// <summary>readelf's flags ("none", "WEAK") on <paramref name="library"/>'s reference to <paramref name="version"/>.</summary>
    public static string NeedFlags(string library, string version) =>
        NeedLine().Matches(Run("readelf", $"-V -W {library}")).Single(m => m.Groups[1].Value == version).Groups[2].Value;

    /// <summary>The symbol as readelf lists it among the dynamic symbols, with its version if it has one.</summary>
    public static string DynamicSymbol(string library, string name) =>
        Run("readelf", $"--dyn-syms -W {library}").Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(f => f.Length >= 8 && f[7].Split('@')[0] == name)[7];

    /// <summary>The inode of a file: equal for a hard link and its original.</summary>
    public static string Inode(string path) => Run("stat", $"-c %i {path}").Trim();

    public static string Run(string program, string arguments)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try { process = Process.Start(start)!; }
        catch (Win32Exception) { throw new InvalidOperationException($"{program} is not installed (Debian: apt-get install binutils)"); }
        using (process)
        {
            Task<string> error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {arguments} failed: {error.Result.Trim()}");
            return output;
        }
    }

    // readelf -V: "0x001c: Rev: 1  Flags: none  Index: 2  Cnt: 1  Name: GLIBCXX_3.4" in .gnu.version_d,
    // "0x0140:   Name: GLIBCXX_3.4.32  Flags: none  Version: 18" in .gnu.version_r.
    [GeneratedRegex(@"Rev: \d+\s+Flags: \S+\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)")]
    private static partial Regex DefinitionLine();

    [GeneratedRegex(@"Name: (\S+)\s+Flags: (\S+)\s+Version: \d+")]
    private static partial Regex NeedLine();
}
