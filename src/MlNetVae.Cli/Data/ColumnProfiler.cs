namespace MlNetVae.Cli.Data;

/// <summary>
/// What schema inference learns about one CSV column's numbers as the cells stream past, keeping no cell: how many are
/// numbers (in the expected format or another locale's), whether all are integers, and a few distinct numbers (for
/// label detection). The distinct strings of the columns that turn out categorical are a second pass's
/// (<see cref="CategorySet"/>), so a wide numeric file costs a few counters per column.
/// </summary>
internal sealed class ColumnProfiler
{
    private readonly HashSet<double> _numbers = [];

    /// <summary>Cells that are invariant-culture numbers.</summary>
    public int Numbers { get; private set; }

    /// <summary>Cells that are numbers in another locale's format (<see cref="CsvNumber.IsOtherFormat"/>).</summary>
    public int OtherFormat { get; private set; }

    /// <summary>Every cell so far is a number with no fractional part.</summary>
    public bool AllIntegers { get; private set; } = true;

    /// <summary>Distinct numbers, counted up to 11 (only "at most 10" matters).</summary>
    public int DistinctNumbers => _numbers.Count;

    /// <summary>Takes one (trimmed) cell into account.</summary>
    public void Add(string cell)
    {
        if (CsvNumber.TryParse(cell, out double value))
        {
            Numbers++;
            AllIntegers &= double.IsFinite(value) && value == Math.Floor(value);
            if (_numbers.Count <= 10) _numbers.Add(value);
            return;
        }
        AllIntegers = false;
        if (CsvNumber.IsOtherFormat(cell)) OtherFormat++;
    }
}
