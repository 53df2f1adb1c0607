using System.Collections;
using System.Reflection;
using System.Text.Json;
using MlNetVae.Spec;
using NUnit.Framework;

namespace MlNetVae.Tests.Spec;

/// <summary>
/// Every option, found through <see cref="OptionCatalog.All"/>: a new attributed option is covered by these tests
/// without editing them (a property of a type they do not know fails them instead, until the type is taught here).
/// </summary>
internal class OptionCatalogTests
{
    /// <summary>
    /// Options under which every option can take any value of its range: a validation fraction (for patience), ONNX
    /// Runtime inference (for the GPU id) and the TorchSharp backend (for a CUDA device).
    /// </summary>
    private static readonly VaeOptions Permissive = new()
    {
        ValidationFraction = 0.25f, Inference = InferenceEngine.OnnxRuntime, Backend = "torchsharp",
    };

    public static IEnumerable<TestCaseData> Options() => OptionCatalog.All.Select(o => new TestCaseData(o).SetArgDisplayNames(o.Name));

    [Test]
    public void EveryPublicPropertyIsAnAttributedOption()
    {
        var properties = typeof(VaeOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name);
        Assert.That(OptionCatalog.All.Select(o => o.Name), Is.EquivalentTo(properties),
            "a setting without [Option] would be saved but neither validated nor offered on the command line");
        Assert.That(OptionCatalog.All.Select(o => o.Attribute.Flag).Where(f => f is not null), Is.Unique, "CLI flags");
        Assert.That(OptionCatalog.All.Select(o => o.Attribute.Description), Has.All.Not.Empty);
    }

    [TestCaseSource(nameof(Options))]
    public void EveryValueInRangeRoundTripsThroughJson(OptionInfo option)
    {
        var values = Candidates(option).Where(v => !Same(v, option.Property.GetValue(Permissive))).Where(v => IsValid(With(option, v))).ToArray();
        Assert.That(values, Is.Not.Empty, $"no valid non-default value found for {option.Name}");
        foreach (var value in values)
        {
            var options = With(option, value);
            string json = OptionCatalog.ToJson(options);
            Assert.That(JsonDocument.Parse(json).RootElement.TryGetProperty(option.Name, out _), Is.True, "keyed by property name");
            var back = OptionCatalog.FromJson(json);
            foreach (var other in OptionCatalog.All)
                Assert.That(Same(other.Property.GetValue(back), other.Property.GetValue(options)), Is.True,
                    $"{option.Name} = {Show(value)}: {other.Name} came back as {Show(other.Property.GetValue(back))}, was {Show(other.Property.GetValue(options))}");
        }
    }

    [Test]
    public void DefaultOptionsRoundTrip()
    {
        var back = OptionCatalog.FromJson(OptionCatalog.ToJson(new VaeOptions()));
        foreach (var o in OptionCatalog.All)
            Assert.That(Same(o.Property.GetValue(back), o.Property.GetValue(new VaeOptions())), Is.True, o.Name);
    }

    [TestCaseSource(nameof(Options))]
    public void ValuesOutsideTheRangeAreRefusedNamingTheProperty(OptionInfo option)
    {
        var a = option.Attribute;
        var outside = Outside(option).ToArray();
        if (double.IsNegativeInfinity(a.Min) && double.IsPositiveInfinity(a.Max))
        {
            Assert.That(outside, Is.Empty);
            return;
        }
        Assert.That(outside, Is.Not.Empty, $"{option.Name} has a range, so some value of its type lies outside it");
        foreach (var value in outside)
        {
            var e = Assert.Throws<ArgumentException>(() => With(option, value).Validate(), $"{option.Name} = {Show(value)}");
            Assert.That(e!.ParamName, Is.EqualTo(option.Name));
            Assert.That(e.Message, Does.Contain(option.Name));
            // And the JSON reader refuses it the same way.
            var fromJson = Assert.Throws<ArgumentException>(() => OptionCatalog.FromJson(OptionCatalog.ToJson(With(option, value))));
            Assert.That(fromJson!.ParamName, Is.EqualTo(option.Name));
        }
    }

    [TestCaseSource(nameof(Options))]
    public void ParseAcceptsTheTextOfEveryValidValueAndRefusesGarbageNamingTheFlag(OptionInfo option)
    {
        var type = Nullable.GetUnderlyingType(option.Property.PropertyType) ?? option.Property.PropertyType;
        if (type == typeof((int, int)[]))
        {
            Assert.That(option.Attribute.Flag, Is.Null, "one-hot groups come from the data, not from a flag");
            return;
        }
        // Named enum values only: flag combinations (OutputColumns) are library-only, never CLI text.
        foreach (var value in Candidates(option).OfType<object>().Where(v => !v.GetType().IsEnum || Enum.IsDefined(v.GetType(), v)))
        {
            string text = value switch
            {
                int[] a => string.Join(", ", a),
                IFormattable formattable => formattable.ToString(type == typeof(float) ? "R" : null, System.Globalization.CultureInfo.InvariantCulture),
                _ => value.ToString()!,
            };
            Assert.That(Same(OptionCatalog.Parse(option, " " + text + " "), value), Is.True, $"{option.Name}: '{text}'");
        }
        if (type == typeof(string)) return;
        string flag = option.Attribute.Flag is { } f ? "--" + f : option.Name;
        foreach (var garbage in new[] { "", "garbage", "1;2", "0x10" })
        {
            var e = Assert.Throws<FormatException>(() => OptionCatalog.Parse(option, garbage), $"{option.Name}: '{garbage}'");
            Assert.That(e!.Message, Does.StartWith(flag + ":").And.Contain($"'{garbage.Split(',')[0].Trim()}'"));
        }
    }

    [Test]
    public void ParseChecksEachType()
    {
        OptionInfo Get(string name) => OptionCatalog.All.Single(o => o.Name == name);
        Assert.That(OptionCatalog.Parse(Get(nameof(VaeOptions.Epochs)), "1e3"), Is.EqualTo(1000));
        foreach (var text in new[] { "2.5", "1e10", "-3000000000", "NaN", "Infinity" })
            Assert.That(() => OptionCatalog.Parse(Get(nameof(VaeOptions.Epochs)), text), Throws.TypeOf<FormatException>().With.Message.StartsWith("--epochs:"), text);
        Assert.That(OptionCatalog.Parse(Get(nameof(VaeOptions.LearningRate)), "3e-4"), Is.EqualTo(3e-4f));
        Assert.That(() => OptionCatalog.Parse(Get(nameof(VaeOptions.LearningRate)), "1e39"), Throws.TypeOf<FormatException>().With.Message.Contain("float range"));
        Assert.That(() => OptionCatalog.Parse(Get(nameof(VaeOptions.LearningRate)), "0,001"), Throws.TypeOf<FormatException>(), "invariant culture only");
        Assert.That(OptionCatalog.Parse(Get(nameof(VaeOptions.Contamination)), "0.05"), Is.EqualTo(0.05));
        Assert.That(OptionCatalog.Parse(Get(nameof(VaeOptions.EncoderHidden)), "64, 32"), Is.EqualTo(new[] { 64, 32 }));
        Assert.That(() => OptionCatalog.Parse(Get(nameof(VaeOptions.EncoderHidden)), "64,,32"), Throws.TypeOf<FormatException>().With.Message.StartsWith("--hidden:"));
        Assert.That(OptionCatalog.Parse(Get(nameof(VaeOptions.Activation)), "Leaky-ReLU"), Is.EqualTo(Activation.LeakyRelu));
        Assert.That(() => OptionCatalog.Parse(Get(nameof(VaeOptions.Activation)), "swish"),
            Throws.TypeOf<FormatException>().With.Message.EqualTo("--activation: expected one of relu, leakyrelu, elu, tanh, sigmoid, found 'swish'"));
        Assert.That(OptionCatalog.Parse(Get(nameof(VaeOptions.DynamicBinarization)), "True"), Is.EqualTo(true));
        Assert.That(() => OptionCatalog.Parse(Get(nameof(VaeOptions.DynamicBinarization)), "yes"), Throws.TypeOf<FormatException>().With.Message.Contain("true or false"));
        Assert.That(OptionCatalog.Parse(Get(nameof(VaeOptions.GpuDeviceId)), "1"), Is.EqualTo(1));
    }

    [Test]
    public void FromJsonRefusesUnknownMalformedAndEmptyInput()
    {
        string good = OptionCatalog.ToJson(new VaeOptions());
        foreach (var (json, expected) in new[]
        {
            (good.Replace("\"LatentSize\"", "\"LatentSise\""), "not readable"),
            (good[..^5], "not readable"),
            ("null", "empty"),
            (good.Replace("\"Activation\":\"Relu\"", "\"Activation\":\"Swish\""), "not readable"),
            (good.Replace("\"Activation\":\"Relu\"", "\"Activation\":7"), "Activation"),
            (good.Replace("\"Epochs\":40", "\"Epochs\":\"forty\""), "not readable"),
            (good.Replace("\"LearningRate\":0.001", "\"LearningRate\":\"NaN\""), "LearningRate"),
            (good.Replace("\"CategoricalGroups\":[]", "\"CategoricalGroups\":[{\"Item1\":3,\"Item2\":1}]"), "CategoricalGroups"),
        })
        {
            Assert.That(json, Is.Not.EqualTo(good), $"the test's replacement for '{expected}' applies");
            Assert.That(() => OptionCatalog.FromJson(json), Throws.ArgumentException.With.Message.Contain(expected), json);
        }
    }

    [Test]
    public void CrossSettingRulesNameTheSettingAtFault()
    {
        (VaeOptions, string)[] cases =
        [
            (new VaeOptions { Patience = 3 }, nameof(VaeOptions.Patience)),
            (new VaeOptions { Threads = Environment.ProcessorCount + 1 }, nameof(VaeOptions.Threads)),
            (new VaeOptions { GpuDeviceId = 0 }, nameof(VaeOptions.GpuDeviceId)),
            (new VaeOptions { Device = "gpu" }, nameof(VaeOptions.Device)),
            (new VaeOptions { Device = "cuda", Backend = TrainingBackends.Managed }, nameof(VaeOptions.Device)),
            (new VaeOptions { Score = AnomalyScore.IwaeNll }, nameof(VaeOptions.Score)),
            (new VaeOptions { ScoreColumnName = " " }, nameof(VaeOptions.ScoreColumnName)),
            (new VaeOptions { OutputColumns = (VaeColumns)128 }, nameof(VaeOptions.OutputColumns)),
            (new VaeOptions { Activation = (Activation)99 }, nameof(VaeOptions.Activation)),
            (new VaeOptions { CategoricalGroups = [(0, 1)] }, nameof(VaeOptions.CategoricalGroups)),
            (new VaeOptions { ConvChannels = [] }, nameof(VaeOptions.ConvChannels)),
            (new VaeOptions { ImageShape = [28] }, nameof(VaeOptions.ImageShape)),
        ];
        foreach (var (options, name) in cases)
            Assert.That(options.Validate, Throws.ArgumentException.With.Property(nameof(ArgumentException.ParamName)).EqualTo(name), name);
        Assert.That(Permissive.Validate, Throws.Nothing);
    }

    /// <summary>Values of the option's type to try: the range's ends and values between them, every enum value, text.</summary>
    private static IEnumerable<object?> Candidates(OptionInfo option)
    {
        var a = option.Attribute;
        var declared = option.Property.PropertyType;
        var type = Nullable.GetUnderlyingType(declared) ?? declared;
        if (type == typeof(bool)) return [true, false];
        if (type.IsEnum)
        {
            var values = Enum.GetValues(type).Cast<object>().ToList();
            if (type.IsDefined(typeof(FlagsAttribute)))
                values.Add(Enum.ToObject(type, values.Select(Convert.ToInt64).Where(v => v != 0).Take(2).Aggregate(0L, (x, y) => x | y)));
            return values;
        }
        if (type == typeof(string)) return ["Name with spaces, \"quotes\" and ü", "cpu", "cuda", "cuda:1"];
        if (type == typeof((int, int)[])) return [new (int, int)[] { (0, 2), (5, 3) }, Array.Empty<(int, int)>()];
        var numbers = Between(a).ToList();
        if (type == typeof(int)) return numbers.Where(IsInt).Select(v => (object?)(int)v).Distinct();
        if (type == typeof(float)) return numbers.Select(v => (object?)(float)v).Distinct();
        if (type == typeof(double)) return numbers.Select(v => (object?)v).Distinct();
        if (type == typeof(int[]))
        {
            var ints = numbers.Where(IsInt).Select(v => (int)v).ToArray();
            // Several lengths: widths take any, an image shape takes 2 or 3.
            return [ints, ints[..3], ints[..2], new[] { ints[^1] }];
        }
        Assert.Fail($"{option.Name} has the type {declared.Name}, which this test does not know: teach Candidates and Outside about it");
        return [];
    }

    /// <summary>Numbers inside the range: its ends (unless excluded), a few round and unround values between.</summary>
    private static IEnumerable<double> Between(OptionAttribute a)
    {
        double lo = double.IsNegativeInfinity(a.Min) ? -1e6 : a.Min, hi = double.IsPositiveInfinity(a.Max) ? 1e6 : a.Max;
        if (!a.MinExclusive) yield return lo;
        foreach (double f in new[] { 1 / 3.0, 0.5, 0.9 }) yield return lo + f * (hi - lo);
        yield return Math.Min(hi, lo + 1);
        yield return Math.Min(hi, lo + 2);
        yield return hi;
    }

    /// <summary>Values of the option's type just outside its range (below the minimum, above the maximum, NaN).</summary>
    private static IEnumerable<object> Outside(OptionInfo option)
    {
        var a = option.Attribute;
        var type = Nullable.GetUnderlyingType(option.Property.PropertyType) ?? option.Property.PropertyType;
        var numbers = new List<double>();
        if (!double.IsNegativeInfinity(a.Min)) numbers.Add(a.MinExclusive ? a.Min : a.Min - 1);
        if (!double.IsPositiveInfinity(a.Max)) numbers.Add(a.Max + Math.Max(1, Math.Abs(a.Max) * 1e-3));
        if (type == typeof(int)) return numbers.Select(v => (object)checked((int)v));
        if (type == typeof(float)) return numbers.Select(v => (object)(float)v).Append(float.NaN);
        if (type == typeof(double)) return numbers.Select(v => (object)v).Append(double.NaN);
        if (type == typeof(int[])) return numbers.Select(v => (object)new[] { 8, checked((int)v) });
        return [];
    }

    private static bool IsInt(double v) => v == Math.Floor(v) && v >= int.MinValue && v <= int.MaxValue;

    private static VaeOptions With(OptionInfo option, object? value)
    {
        var copy = Permissive with { };
        option.Property.SetValue(copy, value);
        return copy;
    }

    private static bool IsValid(VaeOptions options)
    {
        try
        {
            options.Validate();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Equal values, arrays element by element; floats to the bit.</summary>
    private static bool Same(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (float x, float y) => BitConverter.SingleToInt32Bits(x) == BitConverter.SingleToInt32Bits(y),
        (double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y),
        (string x, string y) => x == y,
        (IEnumerable x, IEnumerable y) => x.Cast<object>().SequenceEqual(y.Cast<object>()),
        _ => a.Equals(b),
    };

    private static string Show(object? v) => v switch
    {
        null => "null",
        string s => $"\"{s}\"",
        IEnumerable e => "[" + string.Join(", ", e.Cast<object>()) + "]",
        _ => v.ToString()!,
    };
}
