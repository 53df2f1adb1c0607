using System.Globalization;
using System.Text.RegularExpressions;

namespace MlNetVae.Cli.Data;

/// <summary>
/// The one number format CSV cells may use, and recognition of the formats other locales write, so a cell such as
/// <c>"0,9417"</c> or <c>"1.234,5"</c> is reported as a number in the wrong format instead of being read as text.
/// </summary>
internal static partial class CsvNumber
{
    /// <summary>The expected format, as error messages state it.</summary>
    public const string Expected = "invariant-culture digits with '.' as the decimal point and no thousands separator (e.g. 1234.5)";

    /// <summary>Reads a cell in invariant culture: sign, digits, '.', exponent; no thousands separator.</summary>
    public static bool TryParse(string cell, out double value) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>A finite number in invariant culture (what a column name must not be).</summary>
    public static bool IsFinite(string cell) => TryParse(cell, out double value) && double.IsFinite(value);

    /// <summary>
    /// True for a cell that is not an invariant number but is one in another locale's format: a decimal comma
    /// (<c>0,9417</c>), or digits grouped in threes by ',', '.', an apostrophe or a (no-break) space, with an optional
    /// decimal part after the other mark (<c>1,234.5</c>, <c>1.234,5</c>, <c>1 234 567</c>). Groups of exactly three
    /// digits keep version-like text such as <c>1.2.3</c> out.
    /// </summary>
    public static bool IsOtherFormat(string cell) => !TryParse(cell, out _) && (DecimalComma().IsMatch(cell) || Grouped().IsMatch(cell));

    [GeneratedRegex(@"^[+-]?\d+,\d+$")]
    private static partial Regex DecimalComma();

    // \1 is the grouping mark, repeated between every group; the decimal mark, if any, must differ from it.
    [GeneratedRegex(@"^[+-]?\d{1,3}([,.' \u00A0\u202F])\d{3}(?:\1\d{3})*(?:(?!\1)[.,]\d+)?$")]
    private static partial Regex Grouped();
}
