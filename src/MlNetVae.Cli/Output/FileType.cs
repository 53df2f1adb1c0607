using System.Runtime.InteropServices;

namespace MlNetVae.Cli.Output;

/// <summary>What a path names, symbolic links followed: what decides how an output file may be written.</summary>
internal enum FileType
{
    Missing,
    Regular,
    Directory,
    CharacterDevice,
    Fifo,
    BlockDevice,
    Socket,
}

/// <summary>Reads a path's <see cref="FileType"/>; .NET has no API for it, so Linux asks the kernel through statx.</summary>
internal static partial class FileTypes
{
    private const int AtCurrentDirectory = -100;
    private const uint StatxType = 1;
    private const int NoEntry = 2, NotDirectory = 20;

    /// <summary>
    /// The type of what <paramref name="path"/> names, following symbolic links; a missing file, a missing folder on
    /// the way and a dangling link are <see cref="FileType.Missing"/>. Exact on Linux; elsewhere only folders, missing
    /// paths and (on other Unix systems) paths under /dev are told apart from regular files.
    /// </summary>
    /// <exception cref="IOException">A symbolic link loop, or the path cannot be examined.</exception>
    public static unsafe FileType Of(string path)
    {
        if (!OperatingSystem.IsLinux())
            return Directory.Exists(path) ? FileType.Directory : !File.Exists(path) ? FileType.Missing
                : !OperatingSystem.IsWindows() && Path.GetFullPath(path).StartsWith("/dev/",
                    StringComparison.Ordinal) ? FileType.CharacterDevice : FileType.Regular;
        // struct statx is the same on every Linux architecture (unlike struct stat): 256 bytes, stx_mode a u16 at 28.
        byte* buffer = stackalloc byte[256];
        if (Statx(AtCurrentDirectory, path, 0, StatxType, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is NoEntry or NotDirectory) return FileType.Missing;
            throw new IOException($"{path}: cannot examine it: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        return (*(ushort*)(buffer + 28) & 0xF000) switch
        {
            0x8000 => FileType.Regular,
            0x4000 => FileType.Directory,
            0x2000 => FileType.CharacterDevice,
            0x1000 => FileType.Fifo,
            0x6000 => FileType.BlockDevice,
            _ => FileType.Socket, // 0xC000, the only type left once links are followed
        };
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
