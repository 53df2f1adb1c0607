using CsvHelper;

namespace MlNetVae.Pipeline;

/// <summary>A CSV file read as text: the header and every data row with its line number, nothing interpreted yet.</summary>
internal sealed class CsvTable
{
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

    /// <summary>Reads the whole file; a missing header, a repeated column name, a ragged row or no data row is an error.</summary>
    public static CsvTable Read(string path)
    {
        // A fixed separator: detection could read a one-column file's decimal commas or semicolons as separators.
        var options = new CsvReaderOptions { Separator = ',', HasHeader = true, TrackLineNumbers = true, TrimWhitespace = true };
        using var reader = CsvReader.FromFile(path, options);
        var header = reader.Headers.Select(h => h.Trim()).ToArray();
        if (header.Length == 0 || header.All(string.IsNullOrEmpty))
            throw new InvalidDataException($"{path}: empty file, expected a header row");
        var repeated = header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new InvalidDataException($"{path}: line 1: column '{repeated.Key}' appears twice in the header");
        var rows = new List<string[]>();
        var lines = new List<int>();
        while (reader.Read())
        {
            int line = (int)reader.LineNumber;
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
}
