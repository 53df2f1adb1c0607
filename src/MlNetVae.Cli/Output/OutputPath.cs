namespace MlNetVae.Cli.Output;

/// <summary>Checks on output paths that the file writers cannot make alone.</summary>
public static class OutputPath
{
    private const int MaxLinks = 40; // as Linux's own limit on links followed in one path

    /// <summary>
    /// Refuses an output path that is one of the inputs: writing it would replace the input (or, through a link,
    /// its target). Paths are compared after <see cref="Resolve"/>, so <c>./a.csv</c>, <c>dir/../a.csv</c> and a
    /// symbolic link to <c>a.csv</c> all count as <c>a.csv</c>. Null inputs are skipped (options not given).
    /// </summary>
    /// <exception cref="ArgumentException">The output is an input; the message names both paths.</exception>
    public static void EnsureNotInput(string output, params IEnumerable<string?> inputs)
    {
        ArgumentException.ThrowIfNullOrEmpty(output);
        ArgumentNullException.ThrowIfNull(inputs);
        string resolved = Resolve(output);
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        foreach (var input in inputs)
            if (input is not null && string.Equals(Resolve(input), resolved, comparison))
                throw new ArgumentException($"{output}: is the input file {input}{(output == resolved && input == resolved ? "" : $" (both resolve to " +
                    $"{resolved})")}; writing it would replace the input, choose another output path");
    }

    /// <summary>
    /// The absolute path with every symbolic link resolved, in folders as well as the file name, and <c>.</c> and
    /// <c>..</c> applied after the link they follow (as the kernel does, unlike <see cref="Path.GetFullPath(string)"/>).
    /// Parts that do not exist yet are kept as written.
    /// </summary>
    /// <exception cref="IOException">More than 40 links on the way (a link loop).</exception>
    public static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string current = Path.GetPathRoot(Path.GetFullPath(path))!;
        var rest = new Stack<string>();
        Push(rest, Path.IsPathRooted(path) ? path : Path.Join(Environment.CurrentDirectory, path));
        int links = 0;
        while (rest.TryPop(out var part))
        {
            if (part == ".") continue;
            if (part == "..") { current = Path.GetDirectoryName(current) ?? current; continue; }
            string next = Path.Join(current, part);
            string? target = new FileInfo(next).LinkTarget;
            if (target is null) { current = next; continue; }
            if (++links > MaxLinks) throw new IOException($"{path}: more than {MaxLinks} symbolic links on the way (a link loop?)");
            if (Path.IsPathRooted(target)) current = Path.GetPathRoot(target)!;
            Push(rest, target);
        }
        return current;
    }

    /// <summary>Pushes the parts of <paramref name="path"/> so the first part pops first.</summary>
    private static void Push(Stack<string> stack, string path)
    {
        var parts = path[Path.GetPathRoot(path)!.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar],
            StringSplitOptions.RemoveEmptyEntries);
        for (int i = parts.Length - 1; i >= 0; i--) stack.Push(parts[i]);
    }
}
