using System.Globalization;
using System.Text;

namespace MlNetVae.Cli;

/// <summary>
/// Values from the input as error messages quote them: a short prefix, control characters escaped, the full length
/// named when it was cut. So a 10 MB cell or a name holding terminal escape codes still gives one short, plain line.
/// </summary>
internal static class Excerpt
{
    /// <summary>Characters of a value a message quotes.</summary>
    public const int MaxChars = 40;

    /// <summary>Names a list shows before "... (N in all)".</summary>
    private const int MaxNames = 12;

    /// <summary><c>'value'</c>, or <c>'first 40 characters...' (10,485,760 characters)</c> for a longer one.</summary>
    public static string Quoted(string value) =>
        value.Length <= MaxChars ? $"'{Plain(value)}'" : string.Create(CultureInfo.InvariantCulture, $"'{Plain(value[..MaxChars])}...' " +
            $"({value.Length:N0} characters)");

    /// <summary><c>'value'</c>, or <c>'...last 40 characters' (N characters)</c>: for names whose end says the most (zip entry paths).</summary>
    public static string QuotedTail(string value) =>
        value.Length <= MaxChars ? $"'{Plain(value)}'" : string.Create(CultureInfo.InvariantCulture, $"'...{Plain(value[^MaxChars..])}' " +
            $"({value.Length:N0} characters)");

    /// <summary>Names joined by commas, each cut as <see cref="Quoted"/> cuts, and at most 12 of them before "... (N in all)".</summary>
    public static string Names(IReadOnlyCollection<string> names)
    {
        var shown = names.Take(MaxNames).Select(n => n.Length <= MaxChars ? Plain(n) : Plain(n[..MaxChars]) + "...");
        string list = string.Join(",", shown);
        return names.Count <= MaxNames ? list : string.Create(CultureInfo.InvariantCulture, $"{list},... ({names.Count:N0} in all)");
    }

    /// <summary>Control characters as escapes (\t, \n, \u001B), so the value cannot break the line or drive a terminal.</summary>
    private static string Plain(string value)
    {
        if (!value.Any(char.IsControl)) return value;
        var text = new StringBuilder(value.Length + 8);
        foreach (char c in value)
            text.Append(c switch
            {
                '\t' => "\\t",
                '\n' => "\\n",
                '\r' => "\\r",
                _ when char.IsControl(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        return text.ToString();
    }
}
