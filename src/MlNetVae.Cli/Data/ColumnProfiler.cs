namespace MlNetVae.Cli.Data;

/// <summary>
/// What schema inference learns about one CSV column as the cells stream past: how many are numbers (in the expected
/// format or another locale's), whether all are integers, a few distinct numbers (for label detection), and the
/// distinct strings up to one more than any category limit (so a 40,000-value timestamp column costs 1,001 strings).
/// </summary>
internal sealed class ColumnProfiler
{
    /// <summary>Distinct cells kept at most: one more than the highest category limit.</summary>
    public const int MaxDistinct = 1001;

    private readonly HashSet<double> _numbers = [];

    /// <summary>Cells that are invariant-culture numbers.</summary>
    public int Numbers { get; private set; }

    /// <summary>Cells that are numbers in another locale's format (<see cref="CsvNumber.IsOtherFormat"/>).</summary>
    public int OtherFormat { get; private set; }

    /// <summary>Every cell so far is a number with no fractional part.</summary>
    public bool AllIntegers { get; private set; } = true;

    /// <summary>Distinct numbers, counted up to 11 (only "at most 10" matters).</summary>
    public int DistinctNumbers => _numbers.Count;

    /// <summary>Distinct cells, up to <see cref="MaxDistinct"/>.</summary>
    public HashSet<string> Distinct { get; } = new(StringComparer.Ordinal);

    /// <summary>True when more distinct cells than <see cref="MaxDistinct"/> were seen.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Takes one (trimmed) cell into account.</summary>
    public void Add(string cell)
    {
        if (CsvNumber.TryParse(cell, out double value))
        {
            Numbers++;
            AllIntegers &= double.IsFinite(value) && value == Math.Floor(value);
            if (_numbers.Count <= 10) _numbers.Add(value);
        }
        else
        {
            AllIntegers = false;
            if (CsvNumber.IsOtherFormat(cell)) OtherFormat++;
        }
        if (Overflowed || Distinct.Contains(cell)) return;
        if (Distinct.Count < MaxDistinct) Distinct.Add(cell);
        else Overflowed = true;
    }
}
