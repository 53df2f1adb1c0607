using System.Globalization;
using System.Text.Json;
using MlNetVae.Cli.Output;

namespace MlNetVae.Cli;

/// <summary>
/// Output files and folders. Paths are checked before any work starts (a missing folder fails fast, an output that
/// is an input is refused), and every file is written atomically (<see cref="AtomicFile"/>, folders through
/// <see cref="AtomicFolder"/>), so a failure never leaves a partial output behind.
/// </summary>
internal static class Outputs
{
    /// <summary>Fails when the folder that would hold the file <paramref name="path"/> does not exist, or when the path is an input.</summary>
    public static void CheckFile(string path, IEnumerable<string?> inputs, string option = "--out")
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder)) throw new UsageException($"{option} {path}: the folder {folder} does not exist");
        if (Directory.Exists(path)) throw new UsageException($"{option} {path}: is a folder, expected a file path");
        OutputPath.EnsureNotInput(path, inputs);
    }

    /// <summary>Fails when the output folder's parent does not exist (the folder itself is created).</summary>
    public static void CheckFolder(string path, string option = "--out")
    {
        string parent = Path.GetDirectoryName(Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar))!;
        if (!Directory.Exists(parent)) throw new UsageException($"{option} {path}: the folder {parent} does not exist");
        if (File.Exists(path)) throw new UsageException($"{option} {path}: is a file, expected a folder");
    }

    /// <summary>
    /// Writes a CSV atomically: the header, then the lines <paramref name="rows"/> yields (cells already formatted);
    /// not at all once <paramref name="cancellation"/> is cancelled (SIGINT, SIGTERM).
    /// </summary>
    public static void WriteCsv(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, CancellationToken cancellation)
    {
        AtomicFile.WriteText(path, writer =>
        {
            writer.WriteLine(string.Join(',', header.Select(Quote)));
            foreach (var row in rows) writer.WriteLine(string.Join(',', row.Select(Quote)));
        }, cancellation);
    }

    /// <summary>A cell quoted when it holds a comma, a quote or a line break (RFC 4180).</summary>
    private static string Quote(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\r\n") < 0 ? cell : $"\"{cell.Replace("\"", "\"\"")}\"";

    public static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Prints one JSON object (snake_case names as given) on stdout.</summary>
    public static void Json(CliConsole console, object value) =>
        console.Out.WriteLine(JsonSerializer.Serialize(value));
}
