using System.Text;
using CsvHelper;

namespace MlNetVae.Pipeline;

/// <summary>A CSV file read as text: the header and every data row with its line number, nothing interpreted yet.</summary>
internal sealed class CsvTable
{
    /// <summary>The longest record (line) accepted, in bytes: longer is an unclosed quote or not a CSV file at all.</summary>
    public const int MaxRecordBytes = 16 << 20;

    private CsvTable(string path, string[] header, List<string[]> rows, List<int> lines)
    {
        Path = path;
        Header = header;
        Rows = rows;
        Lines = lines;
    }

    public string Path { get; }

    public string[] Header { get; }

    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>The 1-based line of each row in the file (the header is line 1), for error messages.</summary>
    public IReadOnlyList<int> Lines { get; }

    /// <summary>
    /// Reads the whole file, plain or gzip-compressed (<see cref="InputFile"/>). An error: a missing header, a first
    /// line that is data rather than a header (any cell a number: column names must not be numbers), a repeated
    /// column name, a ragged row, a record longer than <see cref="MaxRecordBytes"/>, a NUL byte, or no data row.
    /// </summary>
    public static CsvTable Read(string path)
    {
        // A fixed separator: detection could read a one-column file's decimal commas or semicolons as separators.
        var options = new CsvReaderOptions
        {
            Separator = ',', HasHeader = true, TrackLineNumbers = true, TrimWhitespace = true, MaxRecordSize = MaxRecordBytes,
        };
        using var reader = CsvReader.Create(InputFile.Open(path, text: true), options, leaveOpen: false);
        var header = Guard(path, () => reader.Headers).Select(h => h.Trim()).ToArray();
        // The header is no record CsvHelper exposes raw; its names (and separators) measure it closely enough.
        if (header.Sum(h => (long)Encoding.UTF8.GetByteCount(h) + 1) - 1 > MaxRecordBytes) throw TooLong(path, 1);
        if (header.Length == 0 || header.All(string.IsNullOrEmpty))
            throw new InvalidDataException($"{path}: empty file, expected a header row");
        int number = Array.FindIndex(header, CsvNumber.IsFinite);
        if (number >= 0)
            throw new InvalidDataException($"{path}: line 1 looks like data, not a header: cell {number + 1} ('{header[number]}') is a number, and column names must not be numbers; add a header line naming the columns (or rename the numeric ones)");
        var repeated = header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new InvalidDataException($"{path}: line 1: column '{repeated.Key}' appears twice in the header");
        var rows = new List<string[]>();
        var lines = new List<int>();
        while (Guard(path, reader.Read))
        {
            int line = (int)reader.LineNumber;
            // CsvHelper bounds its buffer near the limit but may accept a record somewhat over it; this makes the cap exact.
            if (reader.RawRecord.Length > MaxRecordBytes) throw TooLong(path, line);
            if (reader.FieldCount != header.Length)
                throw new InvalidDataException($"{path}: line {line}: expected {header.Length} columns, found {reader.FieldCount}");
            var record = new string[header.Length];
            for (int c = 0; c < record.Length; c++) record[c] = reader.GetString(c);
            rows.Add(record);
            lines.Add(line);
        }
        if (rows.Count == 0) throw new InvalidDataException($"{path}: no data rows after the header");
        return new CsvTable(path, header, rows, lines);
    }

    /// <summary>Reads through CsvHelper, whose only error with these options is a record over the size limit.</summary>
    private static T Guard<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (CsvFormatException e)
        {
            throw TooLong(path, e.LineNumber);
        }
    }

    private static InvalidDataException TooLong(string path, long line) =>
        new($"{path}: line {line}: a record longer than {MaxRecordBytes >> 20} MiB (an unclosed quote, or not a CSV file)");
}
