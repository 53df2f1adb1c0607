using System.Globalization;
using System.Text.Json;
using MlNetVae.Spec;

namespace MlNetVae.Onnx;

/// <summary>
/// The metadata_props every exported graph carries (onnx/CONTRACT.md): the format version, which graph it is, the
/// options (serialized from their one description, <see cref="OptionCatalog"/>), the feature layout, and for the
/// scorer which score it computes; callers may add their own keys (the ML.NET component stores its threshold, column
/// names and training history). content_hash comes last, stamped after serialization.
/// </summary>
internal static class Metadata
{
    public const string Producer = "MlNetVae";

    /// <summary>The format this code writes. Version 2 (this one) reads the model from its options, layout and initializers by name.</summary>
    public const int Format = 2;

    public const string FormatKey = "mlnetvae.format", GraphKey = "mlnetvae.graph", OptionsKey = "mlnetvae.options",
        LayoutKey = "mlnetvae.layout", ScoreKey = "mlnetvae.score", ContentHash = "content_hash";

    /// <summary>The assembly version, written as producer_version.</summary>
    public static string ProducerVersion => typeof(Metadata).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    /// <summary>The properties of a model's graph <paramref name="graph"/>, content_hash last.</summary>
    public static IEnumerable<(string Key, string Value)> For(VaeSpec spec, string graph, AnomalyScore? score, IReadOnlyDictionary<string, string>? extra)
    {
        yield return (FormatKey, Format.ToString(CultureInfo.InvariantCulture));
        yield return (GraphKey, graph);
        yield return (OptionsKey, OptionCatalog.ToJson(spec.Options));
        yield return (LayoutKey, Layout(spec.Layout));
        if (score is AnomalyScore s) yield return (ScoreKey, ScoreName(s));
        if (extra is not null)
            foreach (var (key, value) in extra.OrderBy(e => e.Key, StringComparer.Ordinal))
                yield return (key, value);
        yield return (ContentHash, Hashing.Placeholder);
    }

    /// <summary>The layout as "kind start length" joined by ';', e.g. "bernoulli 0 6;gaussian 6 4;categorical 10 3".</summary>
    public static string Layout(FeatureLayout layout) =>
        string.Join(";", layout.Blocks.Select(b => $"{b.Kind.ToString().ToLowerInvariant()} {b.Start.ToString(CultureInfo.InvariantCulture)} " +
            $"{b.Length.ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>A layout back from <see cref="Layout(FeatureLayout)"/>; <paramref name="maxFeatures"/> bounds it before anything is allocated.</summary>
    public static FeatureLayout ParseLayout(string text, long maxFeatures)
    {
        var blocks = new List<FeatureBlock>();
        foreach (var part in text.Split(';'))
        {
            var fields = part.Split(' ');
            if (fields.Length != 3 || !Enum.TryParse<FeatureKind>(fields[0], ignoreCase: true,
                out var kind) || !Enum.IsDefined(kind) || char.IsDigit(fields[0][0])
                || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int start)
                || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out int length)
                || (long)start + length > maxFeatures)
                throw new InvalidDataException($"metadata '{LayoutKey}' has the malformed or oversized block '{Clip(part)}'");
            blocks.Add(new FeatureBlock(kind, start, length));
        }
        try
        {
            return new FeatureLayout(blocks);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"metadata '{LayoutKey}': {e.Message}");
        }
    }

    /// <summary>A score's name in files: snake case (<c>corrected_neg_elbo</c>).</summary>
    public static string ScoreName(AnomalyScore score) => JsonNamingPolicy.SnakeCaseLower.ConvertName(score.ToString());

    /// <summary>The score named <paramref name="name"/>, or null.</summary>
    public static AnomalyScore? ParseScore(string name) =>
        Enum.GetValues<AnomalyScore>().Cast<AnomalyScore?>().FirstOrDefault(s => ScoreName(s!.Value) == name);

    /// <summary>A file's text shortened for an error message (a hostile file may hold megabytes in one field).</summary>
    public static string Clip(string text) => text.Length <= 60 ? text : text[..60] + "...";
}
