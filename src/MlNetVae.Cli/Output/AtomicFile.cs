namespace MlNetVae.Cli.Output;

/// <summary>
/// Writes an output file so that readers see either the old file or the whole new one: the bytes go to a temporary
/// file in the same folder (<see cref="TempFiles"/>), which is renamed over the target only after it is complete and
/// flushed. What the path names decides the details:
/// <list type="bullet">
/// <item>a new path, or a regular file: written atomically; a replaced file keeps its permission bits (a 0600 file
/// stays 0600), a new one gets the usual permissions of the umask;</item>
/// <item>a symbolic link: written through to its final target, atomically there, and stays a link;</item>
/// <item>a character device (/dev/null, a terminal) or a FIFO: written straight into it, since streaming into it is
/// what naming it means (<c>--out /dev/stdout</c>, a pipe), and it is never replaced by a regular file;</item>
/// <item>a folder, a block device or a socket: refused, nothing written.</item>
/// </list>
/// A failure part-way, SIGINT, SIGTERM or SIGHUP leaves no partial file and no temporary file; so does a cancelled
/// token (the CLI cancels it on SIGINT and SIGTERM), checked under the same lock as the rename, right before it.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically for files.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> (or of its link's target) does not exist.</exception>
    /// <exception cref="IOException">The path is a folder, a block device or a socket, or a symbolic link loop.</exception>
    /// <exception cref="OperationCanceledException">SIGINT, SIGTERM or SIGHUP arrived during the write, or <paramref name="cancellation"/> was
    /// cancelled before the rename; the old file is kept.</exception>
    public static void Write(string path, Action<Stream> write, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var type = FileTypes.Of(path);
        switch (type)
        {
            case FileType.CharacterDevice or FileType.Fifo:
                cancellation.ThrowIfCancellationRequested();
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
                {
                    write(stream);
                    stream.Flush();
                }
                cancellation.ThrowIfCancellationRequested();
                return;
            case FileType.Directory:
                throw new IOException($"{path}: is a folder, expected a file path");
            case FileType.BlockDevice or FileType.Socket:
                throw new IOException($"{path}: is a {(type == FileType.Socket ? "socket" : "block device")}; refusing to write to it, expected a file path");
        }
        string target = Target(path);
        string folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{path}: the folder {folder} does not exist");
        cancellation.ThrowIfCancellationRequested();
        TempFiles.RemoveStale(target);
        var file = TempFiles.Create(target, type == FileType.Regular && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(target) : null);
        try
        {
            using (file)
            {
                write(file);
                file.Flush(flushToDisk: true);
            }
            TempFiles.Commit(file.Name, target, cancellation);
        }
        catch
        {
            TempFiles.Discard(file.Name);
            throw;
        }
    }

    /// <summary>Writes text (UTF-8, no byte-order mark), as <see cref="Write"/> does.</summary>
    public static void WriteText(string path, Action<TextWriter> write, CancellationToken cancellation = default) => Write(path, stream =>
    {
        using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
        write(writer);
    }, cancellation);

    /// <summary>The file that will hold the bytes: <paramref name="path"/> with symbolic links resolved (the target of a dangling one).</summary>
    private static string Target(string path)
    {
        var file = new FileInfo(path);
        return file.LinkTarget is null ? file.FullName : file.ResolveLinkTarget(returnFinalTarget: true)!.FullName;
    }
}
