using System.Globalization;
using MlNetVae.Vae;

namespace MlNetVae.Onnx;

/// <summary>
/// The metadata_props every exported graph carries (see onnx/CONTRACT.md): enough to rebuild the model's options
/// and preprocessing, written and read in one place so the exporter and the loader cannot drift apart.
/// </summary>
internal static class Metadata
{
    public const string Producer = "MlNetVae";
    public const string Format = "1";

    public const string FormatKey = "mlnetvae.format", GraphKey = "mlnetvae.graph", FeatureCount = "feature_count",
        LatentSize = "latent_size", Likelihood = "likelihood", EncoderHidden = "encoder_hidden", DecoderHidden = "decoder_hidden",
        Activation = "activation", LogVarClamp = "log_var_clamp", LearnGaussianVariance = "learn_gaussian_variance",
        GaussianLogVariance = "gaussian_log_variance", Seed = "seed", Score = "score", ContentHash = "content_hash";

    /// <summary>The assembly version, written as producer_version.</summary>
    public static string ProducerVersion => typeof(Metadata).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    /// <summary>The properties of <paramref name="model"/>'s graph <paramref name="graph"/>, content_hash last (stamped after serialization).</summary>
    public static IEnumerable<(string Key, string Value)> For(VaeModel model, string graph, string? score = null)
    {
        var o = model.Options;
        yield return (FormatKey, Format);
        yield return (GraphKey, graph);
        yield return (FeatureCount, Text(model.Features));
        yield return (LatentSize, Text(model.LatentSize));
        yield return (Likelihood, Segments(model.Preprocessor.Segments));
        yield return (EncoderHidden, string.Join(",", o.EncoderHidden.Select(Text)));
        yield return (DecoderHidden, string.Join(",", o.ResolvedDecoderHidden.Select(Text)));
        yield return (Activation, o.Activation.ToString());
        yield return (LogVarClamp, Text(o.LogVarClamp));
        yield return (LearnGaussianVariance, o.LearnGaussianVariance ? "true" : "false");
        yield return (GaussianLogVariance, Text(o.GaussianLogVariance));
        yield return (Seed, Text(o.Seed));
        if (score is not null) yield return (Score, score);
        yield return (ContentHash, Hashing.Placeholder);
    }

    /// <summary>Segments as "kind start length" joined by ';', e.g. "bernoulli 0 6;gaussian 6 4;categorical 10 3".</summary>
    public static string Segments(IEnumerable<Segment> segments) =>
        string.Join(";", segments.Select(s => $"{s.Kind.ToString().ToLowerInvariant()} {Text(s.Start)} {Text(s.Length)}"));

    public static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Text(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
