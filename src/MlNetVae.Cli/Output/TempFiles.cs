using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace MlNetVae.Cli.Output;

/// <summary>
/// The temporary files of writes in progress, registered process-wide so none outlives the process: each is deleted
/// when its write fails, when the process exits (<see cref="AppDomain.ProcessExit"/>, an unhandled exception) and when
/// SIGINT, SIGTERM or SIGHUP arrives. .NET runs no exit handler when a signal ends the process, and when the program
/// cancels its work on the signal instead of ending, the writes in progress are abandoned too (their commit fails
/// with <see cref="OperationCanceledException"/>); a write started after the signal fails at its commit when its caller
/// passes the cancelled token, and works normally otherwise. What no handler
/// can see (kill -9, a power cut) is cleaned up by the next write to the same path: each name carries its writer's
/// process id (<c>.name.pid.random.tmp</c>), and a temporary file of a process that no longer runs is deleted.
/// </summary>
internal static class TempFiles
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, bool> Live = []; // temporary path -> abandoned by a signal
    private static bool _exiting;
#pragma warning disable IDE0052 // kept alive: a collected registration stops handling its signal
    private static readonly PosixSignalRegistration[] Signals;
#pragma warning restore IDE0052

    static TempFiles()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => AbandonAll(exiting: true);
        AppDomain.CurrentDomain.UnhandledException += (_, _) => AbandonAll(exiting: true);
        Signals = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s,
            _ => AbandonAll(exiting: false)))];
    }

    /// <summary>Creates and registers a new temporary file beside <paramref name="target"/>, with <paramref name="mode"/> when given.</summary>
    public static FileStream Create(string target, UnixFileMode? mode)
    {
        // Same folder, so the rename never crosses file systems and stays atomic; a dot name keeps it out of sight.
        string temp = PathFor(target);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (mode is not null && !OperatingSystem.IsWindows()) options.UnixCreateMode = mode; // never wider than the file it replaces
        lock (Gate)
        {
            // Under the lock, so a signal handler sees either no file or a registered one.
            if (_exiting) throw new OperationCanceledException($"{target}: not written: the process is exiting");
            var stream = new FileStream(temp, options);
            try
            {
                // The umask may have narrowed the requested mode; the replaced file's bits are restored exactly.
                if (mode is UnixFileMode exact && !OperatingSystem.IsWindows()) File.SetUnixFileMode(stream.SafeFileHandle, exact);
            }
            catch
            {
                stream.Dispose();
                File.Delete(temp);
                throw;
            }
            Live.Add(temp, false);
            return stream;
        }
    }

    /// <summary>A new temporary name beside <paramref name="target"/>: <c>.name.pid.random.tmp</c>, which <see cref="RemoveStale"/> recognizes.</summary>
    public static string PathFor(string target) =>
        Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    /// <summary>Renames the finished temporary file over <paramref name="target"/>, unless a signal abandoned it or <paramref name="cancellation"/>
    /// is cancelled.</summary>
    /// <exception cref="OperationCanceledException">A signal arrived during the write, or the token was cancelled; <paramref name="target"/> is
    /// unchanged.</exception>
    public static void Commit(string temp, string target, CancellationToken cancellation)
    {
        lock (Gate)
        {
            bool abandoned = Live[temp];
            Live.Remove(temp);
            // A signal that arrived before the temporary file existed abandoned nothing; the token remembers it.
            if (abandoned || cancellation.IsCancellationRequested) throw new OperationCanceledException($"{target}: not written: interrupted by a signal");
            File.Move(temp, target, overwrite: true);
        }
    }

    /// <summary>Deletes a temporary file whose write failed.</summary>
    public static void Discard(string temp)
    {
        lock (Gate)
        {
            Live.Remove(temp);
            File.Delete(temp);
        }
    }

    /// <summary>Deletes the temporary files (or folders) for <paramref name="target"/> left by processes that no longer run.</summary>
    public static void RemoveStale(string target)
    {
        string folder = Path.GetDirectoryName(target)!, prefix = $".{Path.GetFileName(target)}.";
        foreach (var path in Directory.EnumerateFileSystemEntries(folder, ".*.tmp"))
        {
            string name = Path.GetFileName(path);
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var parts = name[prefix.Length..^".tmp".Length].Split('.');
            if (parts.Length != 2 || parts[1].Length != 32 || !parts[1].All(char.IsAsciiHexDigitLower)
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            bool stale;
            lock (Gate) stale = pid == Environment.ProcessId ? !Live.ContainsKey(path) : !Runs(pid);
            if (!stale) continue;
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                else File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another writer's cleanup won the race, or the folder forbids it: this write does not depend on it.
            }
        }
    }

    private static bool Runs(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static void AbandonAll(bool exiting)
    {
        lock (Gate)
        {
            _exiting |= exiting;
            foreach (var temp in Live.Keys.ToArray())
            {
                Live[temp] = true;
                try
                {
                    File.Delete(temp);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Best effort while the process goes down; the next write to the path removes it.
                }
            }
        }
    }
}
