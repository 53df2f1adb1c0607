using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlNetVae.Spec;

/// <summary>One option as the catalog sees it: the property and its description.</summary>
/// <param name="Property">The <see cref="VaeOptions"/> property.</param>
/// <param name="Attribute">Its flag, help and range.</param>
internal sealed record OptionInfo(PropertyInfo Property, OptionAttribute Attribute)
{
    /// <summary>The property name (<c>LatentSize</c>), as the model file and ONNX metadata store it.</summary>
    public string Name => Property.Name;
}

/// <summary>
/// Everything that is derived from the <see cref="OptionAttribute"/>s of <see cref="VaeOptions"/>: the list of
/// options, range validation, parsing of a flag's text, and the JSON the model file and the ONNX metadata carry.
/// </summary>
internal static class OptionCatalog
{
    /// <summary>Every attributed option, in declaration order.</summary>
    public static IReadOnlyList<OptionInfo> All { get; } = typeof(VaeOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => (p, a: p.GetCustomAttribute<OptionAttribute>()))
        .Where(x => x.a is not null)
        .OrderBy(x => x.p.MetadataToken)
        .Select(x => new OptionInfo(x.p, x.a!))
        .ToArray();

    /// <summary>JSON settings shared by everything that serializes options: enum names as text, no indentation.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        IncludeFields = true, // the (Start, Length) tuples of the categorical groups are fields
    };

    /// <summary>The options as one JSON object keyed by property name (what the model file stores).</summary>
    public static string ToJson(VaeOptions options) => JsonSerializer.Serialize(options, Json);

    /// <summary>Options back from <see cref="ToJson"/>; an unknown, malformed or out-of-range setting is an <see cref="ArgumentException"/>.</summary>
    public static VaeOptions FromJson(string json)
    {
        JsonDocument document;
        VaeOptions? options;
        try
        {
            document = JsonDocument.Parse(json);
            options = document.Deserialize<VaeOptions>(Json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"the options are not readable: {e.Message.Split('\n')[0]}");
        }
        using (document)
        {
            if (options is null) throw new ArgumentException("the options are empty");
            // Settings newer than the file take the value it was trained with (OptionAttribute.Absent), not today's default.
            var absent = All.Where(o => !double.IsNaN(o.Attribute.Absent) && !document.RootElement.TryGetProperty(o.Name, out _))
                .Select(o => (o, (object?)Convert.ChangeType(o.Attribute.Absent, o.Property.PropertyType, CultureInfo.InvariantCulture))).ToList();
            if (absent.Count > 0) options = With(options, absent);
        }
        options.Validate();
        return options;
    }

    /// <summary>
    /// Checks every option against its attribute's range; returns the first problem as "Name: message", or null.
    /// </summary>
    internal static (string Name, string Message)? FirstOutOfRange(VaeOptions options)
    {
        foreach (var o in All)
        {
            object? value = o.Property.GetValue(options);
            foreach (double v in Numbers(value))
            {
                var a = o.Attribute;
                bool low = a.MinExclusive ? !(v > a.Min) : !(v >= a.Min);
                if (double.IsNaN(v) || low || v > a.Max)
                    return (o.Name, $"must be {Range(a)}, got {Text(v)}");
            }
        }
        return null;
    }

    /// <summary>
    /// <paramref name="options"/> with the given options set to the given values (each of its property's type, e.g. from
    /// <see cref="Parse(OptionInfo, string)"/>), through the same JSON form the model file stores, so init-only properties are set the way
    /// any deserialized options are, with no reflection writes.
    /// </summary>
    public static VaeOptions With(VaeOptions options, IEnumerable<(OptionInfo Option, object? Value)> values)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(ToJson(options))!.AsObject();
        foreach (var (option, value) in values) json[option.Name] = JsonSerializer.SerializeToNode(value, option.Property.PropertyType, Json);
        return json.Deserialize<VaeOptions>(Json)!;
    }

    /// <summary>Parses a flag's text into the property's type (invariant culture; arrays comma-separated; enums by name).</summary>
    /// <exception cref="FormatException">The text is not a value of that type; the message says what was expected.</exception>
    public static object Parse(OptionInfo option, string text)
    {
        var type = Nullable.GetUnderlyingType(option.Property.PropertyType) ?? option.Property.PropertyType;
        text = text.Trim();
        if (type == typeof(int[]))
            return text.Split(',', StringSplitOptions.TrimEntries).Select(part => (int)Parse(typeof(int), part, option)).ToArray();
        return Parse(type, text, option);
    }

    /// <summary>Describes the valid values of an option for help text and errors.</summary>
    public static string Range(OptionAttribute a) => (a.Min, a.Max) switch
    {
        (double.NegativeInfinity, double.PositiveInfinity) => "a number",
        (var min, double.PositiveInfinity) => a.MinExclusive ? $"above {Text(min)}" : $"at least {Text(min)}",
        (double.NegativeInfinity, var max) => $"at most {Text(max)}",
        var (min, max) => a.MinExclusive ? $"above {Text(min)} and at most {Text(max)}" : $"between {Text(min)} and {Text(max)}",
    };

    private static object Parse(Type type, string text, OptionInfo option)
    {
        string flag = option.Attribute.Flag is { } f ? $"--{f}" : option.Name;
        if (type == typeof(bool))
            return bool.TryParse(text, out bool b) ? b : throw new FormatException($"{flag}: expected true or false, found '{text}'");
        if (type.IsEnum)
        {
            var name = Enum.GetNames(type).FirstOrDefault(n => string.Equals(n, text.Replace("-", ""), StringComparison.OrdinalIgnoreCase));
            return name is not null ? Enum.Parse(type, name)
                : throw new FormatException($"{flag}: expected one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}, " +
                    $"found '{text}'");
        }
        if (type == typeof(string)) return text;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw new FormatException($"{flag}: expected a number, found '{text}'");
        if (type == typeof(int))
        {
            if (value != Math.Floor(value) || value < int.MinValue || value > int.MaxValue)
                throw new FormatException($"{flag}: expected a whole number, found '{text}'");
            return (int)value;
        }
        if (type == typeof(float))
        {
            if (!float.IsFinite((float)value)) throw new FormatException($"{flag}: {text} is out of the float range");
            return (float)value;
        }
        if (type == typeof(double)) return value;
        throw new NotSupportedException($"option {option.Name} has the unsupported type {type.Name}");
    }

    private static IEnumerable<double> Numbers(object? value) => value switch
    {
        int i => [i],
        float f => [f],
        double d => [d],
        int[] a => a.Select(v => (double)v),
        _ => [],
    };

    // Whole numbers in full (G9 showed int.MaxValue as 2.14748365E+09); others at float precision.
    private static string Text(double v) => v == Math.Floor(v) && Math.Abs(v) < 1e15 ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("G9",
        CultureInfo.InvariantCulture);
}
