namespace MlNetVae.Pipeline;

/// <summary>What schema inference needs to know about one CSV column's cells.</summary>
/// <param name="Numbers">Cells that are invariant-culture numbers.</param>
/// <param name="OtherFormat">Cells that are numbers in another locale's format (<see cref="CsvNumber.IsOtherFormat"/>).</param>
/// <param name="AllIntegers">Every cell is a number with no fractional part.</param>
/// <param name="Distinct">Distinct numbers, counted up to 11 (only "at most 10" matters, for label detection).</param>
internal readonly record struct ColumnProfile(int Numbers, int OtherFormat, bool AllIntegers, int Distinct)
{
    public static ColumnProfile Of(CsvTable table, int column)
    {
        int numbers = 0, other = 0;
        bool integers = true;
        var distinct = new HashSet<double>();
        foreach (var row in table.Rows)
        {
            string cell = row[column].Trim();
            if (CsvNumber.TryParse(cell, out double value))
            {
                numbers++;
                integers &= double.IsFinite(value) && value == Math.Floor(value);
                if (distinct.Count <= 10) distinct.Add(value);
            }
            else
            {
                integers = false;
                if (CsvNumber.IsOtherFormat(cell)) other++;
            }
        }
        return new ColumnProfile(numbers, other, integers, distinct.Count);
    }
}
