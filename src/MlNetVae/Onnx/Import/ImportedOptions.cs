using System.Globalization;
using MlNetVae.Engine.Nn;
using MlNetVae.Vae;

namespace MlNetVae.Onnx.Import;

/// <summary>
/// Reads the model's options and column layout back from metadata_props, strictly: every number in range, every
/// list well-formed, the segments covering the columns exactly once. Widths are bounded so that the parameter
/// count, checked against the file size before anything is allocated, cannot overflow.
/// </summary>
internal static class ImportedOptions
{
    private const int MaxWidth = 1 << 20, MaxLayers = 64;

    /// <summary>
    /// The options (architecture and inference settings; training settings keep their defaults) and column kinds.
    /// <paramref name="maxScalars"/>, the floats the file can hold, bounds the column count before the kinds are allocated.
    /// </summary>
    public static (VaeOptions Options, ColumnKind[] Kinds, (int Start, int Length)[] Groups) Read(IReadOnlyDictionary<string, string> m, long maxScalars)
    {
        int features = Int(m, Metadata.FeatureCount, 1, MaxWidth);
        if (2L * features > maxScalars) throw new InvalidDataException($"metadata '{Metadata.FeatureCount}' is {features}, more columns than the file holds preprocessing for");
        var (kinds, groups) = Segments(Get(m, Metadata.Likelihood), features);
        bool anyGaussian = kinds.Contains(ColumnKind.Gaussian);
        var options = new VaeOptions
        {
            LatentSize = Int(m, Metadata.LatentSize, 1, MaxWidth),
            EncoderHidden = Widths(m, Metadata.EncoderHidden),
            DecoderHidden = Widths(m, Metadata.DecoderHidden),
            Activation = Enum.GetNames<Activation>().Contains(Get(m, Metadata.Activation))
                ? Enum.Parse<Activation>(m[Metadata.Activation]) : throw Invalid(Metadata.Activation, m),
            LogVarClamp = Float(m, Metadata.LogVarClamp, positive: true),
            LearnGaussianVariance = Get(m, Metadata.LearnGaussianVariance) switch { "true" => true, "false" => false, _ => throw Invalid(Metadata.LearnGaussianVariance, m) },
            GaussianLogVariance = Float(m, Metadata.GaussianLogVariance, positive: false),
            Seed = Int(m, Metadata.Seed, int.MinValue, int.MaxValue),
            Likelihood = anyGaussian && kinds.Contains(ColumnKind.Bernoulli) ? LikelihoodKind.Auto : anyGaussian ? LikelihoodKind.Gaussian : LikelihoodKind.Bernoulli,
            CategoricalGroups = groups,
        };
        return (options, kinds, groups);
    }

    /// <summary>Scalar count of every parameter and preprocessing tensor the file must hold, without allocating any.</summary>
    public static long ParameterCount(VaeOptions o, ColumnKind[] kinds)
    {
        int d = kinds.Length, k = o.LatentSize;
        long count = 2L * d; // preprocess.mean and .scale
        count += Mlp([d, .. o.EncoderHidden, 2 * k]) + Mlp([k, .. o.ResolvedDecoderHidden, d]);
        return count + kinds.Count(c => c == ColumnKind.Gaussian); // one log-variance per Gaussian column
    }

    private static long Mlp(int[] sizes)
    {
        long count = 0;
        for (int i = 0; i + 1 < sizes.Length; i++) count += ((long)sizes[i] + 1) * sizes[i + 1];
        return count;
    }

    private static (ColumnKind[] Kinds, (int Start, int Length)[] Groups) Segments(string text, int features)
    {
        var kinds = new ColumnKind[features];
        var groups = new List<(int, int)>();
        int next = 0;
        foreach (var part in text.Split(';'))
        {
            var fields = part.Split(' ');
            if (fields.Length != 3 || !TryInt(fields[1], out int start) || !TryInt(fields[2], out int length) || start != next || length < 1 || length > features - start)
                throw new InvalidDataException($"metadata '{Metadata.Likelihood}': segment '{Clip(part)}' is not 'kind start length' continuing at column {next} within {features} columns");
            var kind = fields[0] switch
            {
                "bernoulli" => ColumnKind.Bernoulli,
                "gaussian" => ColumnKind.Gaussian,
                "categorical" when length >= 2 => ColumnKind.Categorical,
                _ => throw new InvalidDataException($"metadata '{Metadata.Likelihood}': unknown segment kind '{Clip(fields[0])}' (or a categorical group of fewer than 2 slots)"),
            };
            kinds.AsSpan(start, length).Fill(kind);
            if (kind == ColumnKind.Categorical) groups.Add((start, length));
            next = start + length;
        }
        if (next != features) throw new InvalidDataException($"metadata '{Metadata.Likelihood}': the segments cover {next} of {features} columns");
        return (kinds, groups.ToArray());
    }

    private static int[] Widths(IReadOnlyDictionary<string, string> m, string key)
    {
        var text = Get(m, key);
        if (text.Length == 0) return [];
        var parts = text.Split(',');
        if (parts.Length > MaxLayers) throw new InvalidDataException($"metadata '{key}': more than {MaxLayers} hidden layers");
        return parts.Select(p => TryInt(p, out int w) && w >= 1 && w <= MaxWidth ? w : throw Invalid(key, m)).ToArray();
    }

    private static int Int(IReadOnlyDictionary<string, string> m, string key, int min, int max)
    {
        bool ok = int.TryParse(Get(m, key), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value);
        return ok && value >= min && value <= max ? value : throw Invalid(key, m);
    }

    private static float Float(IReadOnlyDictionary<string, string> m, string key, bool positive)
    {
        if (!float.TryParse(Get(m, key), NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value) || (positive && !(value > 0)))
            throw Invalid(key, m);
        return value;
    }

    private static bool TryInt(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static string Get(IReadOnlyDictionary<string, string> m, string key) =>
        m.TryGetValue(key, out var value) ? value : throw new InvalidDataException($"metadata '{key}' is missing");

    private static InvalidDataException Invalid(string key, IReadOnlyDictionary<string, string> m) =>
        new($"metadata '{key}' has the unusable value '{Clip(m[key])}'");

    /// <summary>Hostile strings can be long: quote at most 40 characters of them.</summary>
    internal static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
