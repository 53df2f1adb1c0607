using System.Globalization;
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
    /// rather than a header (any cell a number: column names must not be numbers), one column whose name holds tabs,
    /// semicolons or bars (a file with another separator), more columns than <see cref="InputLimits.MaxFeatures"/>
    /// allows, a repeated column name, a record longer than <see cref="MaxRecordBytes"/>, malformed quoting or a NUL
    /// byte (a binary file).
    /// </summary>
    public static CsvRecords Open(string path)
    {
        // A fixed separator: detection could read a one-column file's decimal commas or semicolons as separators.
        // A quote that is not closed on its line is an error there, instead of swallowing the lines after it.
        var options = new CsvReaderOptions
        {
            Separator = ',', HasHeader = true, TrackLineNumbers = true, TrimWhitespace = true, MaxRecordSize = MaxRecordBytes,
            AllowLineBreaksInQuotes = false, MalformedData = CsvMalformedDataHandling.Skip,
            OnMalformedRecord = record => throw Malformed(path, record),
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
                throw new InvalidDataException($"{path}: line 1 looks like data, not a header: cell {number + 1} ({Excerpt.Quoted(header[number])}) is " +
                    $"a number, and column names must not be numbers; add a header line naming the columns (or rename the numeric ones)");
            if (header.Length == 1) CheckSeparator(path, header[0]);
            // Every column but a label gives at least one feature: too many columns fail before any row is read.
            InputLimits.CheckFeatures(path, header.Length - 1, string.Create(CultureInfo.InvariantCulture, $"line 1 names {header.Length:N0} columns: " +
                $"at least"));
            var repeated = header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
            if (repeated is not null) throw new InvalidDataException($"{path}: line 1: column {Excerpt.Quoted(repeated.Key)} appears twice in the header");
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

    /// <summary>Reads through CsvHelper, whose only exception with these options is a record over the size limit.</summary>
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

    /// <summary>
    /// A header that is one column naming tabs, semicolons or bars is a file separated by them, read as one column
    /// (each line one category): refused with the fix rather than guessed, because a guess would have to be stored
    /// with the model for every later command, and a comma file may hold a column name with a semicolon in it.
    /// </summary>
    private static void CheckSeparator(string path, string name)
    {
        foreach (var (separator, what, fix) in Separators)
        {
            int count = name.Count(c => c == separator);
            if (count == 0) continue;
            throw new InvalidDataException($"{path}: line 1 is one column, {Excerpt.Quoted(name)}, holding {count} {(count == 1 ? what[..^1] : what)}: " +
                $"a {what[..^1]}-separated file? The CLI reads comma-separated values; {fix}");
        }
    }

    private static readonly (char Separator, string What, string Fix)[] Separators =
    [
        ('\t', "tabs", "convert it, e.g. tr '\\t' ',' < in.tsv > out.csv when no cell holds a comma"),
        (';', "semicolons", "export it again with ',' between cells and '.' as the decimal point (files separated by ';' usually write decimal commas)"),
        ('|', "bars", "convert it, e.g. tr '|' ',' < in.txt > out.csv when no cell holds a comma"),
    ];

    /// <summary>Malformed quoting, named by what is wrong on which line (an unclosed quote above all).</summary>
    private static InvalidDataException Malformed(string path, CsvMalformedRecord record) => new($"{path}: line {record.LineNumber}: " + record.Reason switch
    {
        CsvMalformedReason.LineBreakInQuotes or CsvMalformedReason.UnterminatedQuote =>
            "an unclosed quote: a cell opens a quote that does not close on its line (cells cannot span lines)",
        CsvMalformedReason.StrayQuote => "a quote inside an unquoted cell; quote the whole cell and double the quotes inside it (\"a \"\"b\"\"\")",
        CsvMalformedReason.TextAfterClosingQuote => "text after the closing quote of a quoted cell; quote the whole cell and double the quotes inside it",
        _ => $"malformed CSV ({record.Reason})",
    });

    private static InvalidDataException TooLong(string path, long line) =>
        new($"{path}: line {line}: a record longer than {MaxRecordBytes >> 20} MiB (an unclosed quote, or not a CSV file)");
}
