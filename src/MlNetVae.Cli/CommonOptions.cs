using System.CommandLine;

namespace MlNetVae.Cli;

/// <summary>The options several commands share, so each is named and described once.</summary>
internal static class CommonOptions
{
    public static Option<string> Data() => new("--data")
    {
        Description = "a .csv file with a header (or .csv.gz), or an IDX image file " +
        "(*-idx3-ubyte[.gz])", Required = true
    };

    public static Option<string?> Labels() => new("--labels") { Description = "IDX label file (*-idx1-ubyte[.gz]) for IDX images" };

    public static Option<int?> Class() => new("--class") { Description = "keep only the IDX images of this class (needs --labels)" };

    public static Option<string?> LabelColumn() => new("--label-column")
    {
        Description = "a CSV column of labels (integers or names), kept out of the " +
        "features"
    };

    public static Option<string> Out(string description) => new("--out") { Description = description, Required = true };

    public static Option<bool> Json() => new("--json") { Description = "print one JSON object on stdout at the end" };

    public static Option<int> Seed() => new("--seed") { Description = "seed of the random draws", DefaultValueFactory = _ => 1, CustomParser = WholeNumber };

    /// <summary>
    /// A whole-number option with a default. Its range is checked by <see cref="Checked"/> when the command runs: a
    /// validator here would run on text the parser could not read as a number, and crash instead of reporting it.
    /// </summary>
    public static Option<int> Count(string name, int fallback, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => fallback, CustomParser = WholeNumber };

    /// <summary>An int option's text, or an error naming the option and the text (the parser's own names the .NET type).</summary>
    private static int WholeNumber(System.CommandLine.Parsing.ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture,
            out int value)) return value;
        result.AddError($"{(result.Parent as System.CommandLine.Parsing.OptionResult)?.Option.Name}: expected a whole number, found {Excerpt.Quoted(text)}");
        return 0;
    }

    /// <summary>The option's value, which must lie in [<paramref name="min"/>, <paramref name="max"/>]; otherwise a usage error naming the flag.</summary>
    public static int Checked(ParseResult parse, Option<int> option, int min, int max, string? why = null)
    {
        int value = parse.GetValue(option);
        if (value < min || value > max)
            throw new UsageException($"{option.Name} must be between {min} and {max}, got {value}{(why is null ? "" : $" ({why})")}");
        return value;
    }
}
