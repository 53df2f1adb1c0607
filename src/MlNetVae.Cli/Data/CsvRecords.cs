using System.Text;
using CsvHelper;

namespace MlNetVae.Cli.Data;

/// <summary>
/// A CSV file read record by record (plain or gzip, <see cref="InputFile"/>): the header is checked once, then each
/// <see cref="Read"/> exposes one record's trimmed cells and line number. Nothing is kept: a file of any size streams
/// through in constant memory, once to learn the schema and again to encode the rows.
/// </summary>
internal sealed class CsvRecords : IDisposable
{
    /// <summary>The longest record (line) accepted, in bytes: longer is an unclosed quote or not a CSV file at all.</summary>
    public const int MaxRecordBytes = 16 << 20;

    private readonly CsvReader _reader;

    private CsvRecords(string path, CsvReader reader, string[] header)
    {
        Path = path;
        _reader = reader;
        Header = header;
        Cells = new string[header.Length];
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The column names of line 1.</summary>
    public string[] Header { get; }

    /// <summary>The current record's cells, trimmed (overwritten by the next <see cref="Read"/>).</summary>
    public string[] Cells { get; }

    /// <summary>The current record's 1-based line (the header is line 1).</summary>
    public int Line { get; private set; }

    /// <summary>
    /// Opens <paramref name="path"/> and checks its header: an error for a missing header, a first line that is data
    /// rather than a header (any cell a number: column names must not be numbers), a repeated column name, a record
    /// longer than <see cref="MaxRecordBytes"/> or a NUL byte (a binary file).
    /// </summary>
    public static CsvRecords Open(string path)
    {
        // A fixed separator: detection could read a one-column file's decimal commas or semicolons as separators.
        var options = new CsvReaderOptions
        {
            Separator = ',', HasHeader = true, TrackLineNumbers = true, TrimWhitespace = true, MaxRecordSize = MaxRecordBytes,
        };
        var reader = CsvReader.Create(InputFile.Open(path, text: true), options, leaveOpen: false);
        try
        {
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
            return new CsvRecords(path, reader, header);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>Moves to the next record; false at the end. A record with another number of cells than the header is an error.</summary>
    public bool Read()
    {
        if (!Guard(Path, _reader.Read)) return false;
        Line = (int)_reader.LineNumber;
        // CsvHelper bounds its buffer near the limit but may accept a record somewhat over it; this makes the cap exact.
        if (_reader.RawRecord.Length > MaxRecordBytes) throw TooLong(Path, Line);
        if (_reader.FieldCount != Header.Length)
            throw new InvalidDataException($"{Path}: line {Line}: expected {Header.Length} columns, found {_reader.FieldCount}");
        for (int c = 0; c < Cells.Length; c++) Cells[c] = _reader.GetString(c).Trim();
        return true;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _reader.Dispose();

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
