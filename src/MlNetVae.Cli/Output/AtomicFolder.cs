namespace MlNetVae.Cli.Output;

/// <summary>
/// Fills an output folder so that a failure (a full disk, an error, a signal) leaves its previous contents, or nothing
/// when it did not exist, and never a partial file, on any file system layout:
/// <list type="number">
/// <item>the files are written into a staging folder inside the output folder (<c>.mlnetvae-staging.pid.random.tmp</c>),
/// so on the same file system as the output even when the output folder is a mount point;</item>
/// <item>each file then moves beside its final name under a temporary name (a rename; a copy where a subfolder is on
/// yet another file system, which may fail part-way, on a name that is only ever deleted);</item>
/// <item>only when every file is in place, and no signal has arrived, is each renamed over its final name: renames
/// within one folder, which do not fail part-way.</item>
/// </list>
/// On a failure before the last step the temporary files, the staging folder and the folders this write created are
/// deleted. What a kill -9 leaves is removed by the next write to the same folder.
/// </summary>
internal static class AtomicFolder
{
    private const string Staging = "mlnetvae-staging";

    /// <summary>
    /// Calls <paramref name="fill"/> with a folder to write into, then moves what it wrote into
    /// <paramref name="folder"/> (created if missing), replacing files of the same name.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled before the files were renamed into place.</exception>
    public static void Write(string folder, Action<string> fill, CancellationToken cancellation)
    {
        string target = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        var created = new List<string>();
        Create(target, created);
        var placed = new List<(string Temp, string Final)>();
        string staging = TempFiles.PathFor(Path.Combine(target, Staging));
        try
        {
            TempFiles.RemoveStale(Path.Combine(target, Staging));
            Directory.CreateDirectory(staging);
            fill(staging);
            cancellation.ThrowIfCancellationRequested();
            foreach (var file in Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories))
            {
                string final = Path.Combine(target, Path.GetRelativePath(staging, file));
                Create(Path.GetDirectoryName(final)!, created);
                if (Directory.Exists(final)) throw new IOException($"{final}: is a folder; the output file of that name cannot replace it");
                TempFiles.RemoveStale(final);
                string temp = TempFiles.PathFor(final);
                placed.Add((temp, final));
                File.Move(file, temp);
            }
            cancellation.ThrowIfCancellationRequested();
            foreach (var (temp, final) in placed) File.Move(temp, final, overwrite: true);
            placed.Clear();
            created.Clear();
        }
        finally
        {
            foreach (var (temp, _) in placed) Delete(() => File.Delete(temp));
            if (Directory.Exists(staging)) Delete(() => Directory.Delete(staging, recursive: true));
            // Deepest first; only folders left empty: a folder that was there before is never in the list.
            for (int i = created.Count - 1; i >= 0; i--) Delete(() => Directory.Delete(created[i]));
        }
    }

    /// <summary>Creates <paramref name="folder"/> and the missing folders above it, recording each one created.</summary>
    private static void Create(string folder, List<string> created)
    {
        if (Directory.Exists(folder)) return;
        Create(Path.GetDirectoryName(folder)!, created);
        Directory.CreateDirectory(folder);
        created.Add(folder);
    }

    /// <summary>Cleanup after a failure: what cannot be deleted stays for the next write's stale-file removal, and the first error is the one
    /// reported.</summary>
    private static void Delete(Action delete)
    {
        try
        {
            delete();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
