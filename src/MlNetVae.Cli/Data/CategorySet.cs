using System.Globalization;

namespace MlNetVae.Cli.Data;

/// <summary>
/// The distinct cells of one string column, up to one more than any category limit (so a 40,000-value timestamp
/// column costs 1,001 strings), each at most <see cref="InputLimits.MaxCategoryLength"/> characters.
/// </summary>
internal sealed class CategorySet
{
    /// <summary>Distinct cells kept at most: one more than the highest category limit.</summary>
    public const int MaxDistinct = 1001;

    /// <summary>Distinct cells, up to <see cref="MaxDistinct"/>.</summary>
    public HashSet<string> Distinct { get; } = new(StringComparer.Ordinal);

    /// <summary>True when more distinct cells than <see cref="MaxDistinct"/> were seen.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>
    /// Takes one (trimmed) cell into account; true when it was a new one and is kept. A cell longer than
    /// <see cref="InputLimits.MaxCategoryLength"/> is an error naming <paramref name="where"/> (file, line, column).
    /// </summary>
    public bool Add(string cell, Func<string> where)
    {
        if (Overflowed || Distinct.Contains(cell)) return false;
        if (cell.Length > InputLimits.MaxCategoryLength)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{where()}: a text cell of {cell.Length:N0} characters " +
                $"({Excerpt.Quoted(cell)}); categories may have at most {InputLimits.MaxCategoryLength:N0} characters: free text is not a category, " +
                    $"drop the column"));
        if (Distinct.Count < MaxDistinct) return Distinct.Add(cell);
        Overflowed = true;
        return false;
    }
}
