using System.CommandLine;

namespace MlNetVae.Cli;

/// <summary>The options several commands share, so each is named and described once.</summary>
internal static class CommonOptions
{
    public static Option<string> Model() => new("--model") { Description = "the .vae model file", Required = true };

    public static Option<string> Data() => new("--data") { Description = "a .csv file with a header, or an IDX image file (*-idx3-ubyte[.gz])", Required = true };

    public static Option<string?> Labels() => new("--labels") { Description = "IDX label file (*-idx1-ubyte[.gz]) for IDX images" };

    public static Option<int?> Class() => new("--class") { Description = "keep only the IDX images of this class (needs --labels)" };

    public static Option<string?> LabelColumn() => new("--label-column") { Description = "a CSV column of integer labels, kept out of the features" };

    public static Option<string> Out(string description) => new("--out") { Description = description, Required = true };

    public static Option<bool> Json() => new("--json") { Description = "print one JSON object on stdout at the end" };

    /// <summary>A positive integer option with a default; zero or less is a usage error naming the flag.</summary>
    public static Option<int> Positive(string name, int fallback, string description, bool allowZero = false)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => fallback };
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < 0 || (value == 0 && !allowZero))
                result.AddError($"{name} must be {(allowZero ? "zero or positive" : "positive")}, got {value}");
        });
        return option;
    }
}
