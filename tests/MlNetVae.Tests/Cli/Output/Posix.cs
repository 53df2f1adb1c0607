using System.Runtime.InteropServices;

namespace MlNetVae.Tests.Cli.Output;

/// <summary>The few POSIX calls the file-writing tests need and .NET does not offer.</summary>
internal static partial class Posix
{
    public const int SIGHUP = 1, SIGINT = 2, SIGTERM = 15;

    public static void MakeFifo(string path)
    {
        if (mkfifo(path, 0b110_100_100) != 0) throw new IOException($"mkfifo {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    public static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0) throw new IOException($"kill {pid}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkfifo(string path, uint mode);

    public static void HardLink(string existing, string link)
    {
        if (Posix.link(existing, link) != 0) throw new IOException($"link {link}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string existing, string link);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
