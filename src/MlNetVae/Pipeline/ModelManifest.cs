using System.Text.Json;
using System.Text.Json.Serialization;
using MlNetVae.Vae;

namespace MlNetVae.Pipeline;

/// <summary>
/// manifest.json of a <c>.vae</c> file: everything about a model except its weights (which live in the ONNX files),
/// as plain data so the JSON stays readable and versioned. Converts to and from the library's types in one place.
/// </summary>
internal sealed record ModelManifest(
    string Format, int FormatVersion, string ProducerVersion, int Features, int LatentSize, string[] FeatureNames,
    ManifestOptions Options, ManifestPreprocessing Preprocessing, ManifestSchema? CsvSchema, AnomalyThreshold? Threshold,
    ManifestTraining? Training, ManifestScore Score, Dictionary<string, string> Files)
{
    /// <summary>Identifies our files among other zips with a manifest.json.</summary>
    public const string FormatName = "mlnetvae-model";

    /// <summary>The format this code writes; it reads this one and every older one.</summary>
    public const int CurrentVersion = 1;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}

/// <summary>Every <see cref="VaeOptions"/> setting, one-hot groups as [start, length] pairs.</summary>
internal sealed record ManifestOptions(
    int[] EncoderHidden, int[] DecoderHidden, Engine.Nn.Activation Activation, int LatentSize, LikelihoodKind Likelihood,
    int[][] CategoricalGroups, bool LearnGaussianVariance, float GaussianLogVariance, float Beta, int WarmupEpochs,
    float FreeBits, float LearningRate, int BatchSize, int Epochs, float ValidationFraction, int Patience, int Seed,
    int Threads, float LogVarClamp, bool DynamicBinarization)
{
    public static ManifestOptions From(VaeOptions o) => new(
        o.EncoderHidden, o.ResolvedDecoderHidden, o.Activation, o.LatentSize, o.Likelihood,
        o.CategoricalGroups.Select(g => new[] { g.Start, g.Length }).ToArray(), o.LearnGaussianVariance, o.GaussianLogVariance,
        o.Beta, o.WarmupEpochs, o.FreeBits, o.LearningRate, o.BatchSize, o.Epochs, o.ValidationFraction, o.Patience, o.Seed,
        o.Threads, o.LogVarClamp, o.DynamicBinarization);

    public VaeOptions ToOptions() => new()
    {
        EncoderHidden = EncoderHidden, DecoderHidden = DecoderHidden, Activation = Activation, LatentSize = LatentSize,
        Likelihood = Likelihood, CategoricalGroups = CategoricalGroups.Select(g => g.Length == 2 ? (g[0], g[1]) : throw new InvalidDataException("a categorical group is not a [start, length] pair")).ToArray(),
        LearnGaussianVariance = LearnGaussianVariance, GaussianLogVariance = GaussianLogVariance, Beta = Beta,
        WarmupEpochs = WarmupEpochs, FreeBits = FreeBits, LearningRate = LearningRate, BatchSize = BatchSize, Epochs = Epochs,
        ValidationFraction = ValidationFraction, Patience = Patience, Seed = Seed, Threads = Threads,
        LogVarClamp = LogVarClamp, DynamicBinarization = DynamicBinarization,
    };
}

/// <summary>The fitted <see cref="Preprocessor"/>: each column's likelihood and standardization.</summary>
internal sealed record ManifestPreprocessing(ColumnKind[] Kinds, float[] Mean, float[] Scale)
{
    public static ManifestPreprocessing From(Preprocessor p) => new(p.Kinds, p.Mean, p.Scale);
}

/// <summary>The CSV columns with their kinds and categories.</summary>
internal sealed record ManifestSchema(CsvColumn[] Columns);

/// <summary>What training did, for reports (loss curves) and for <c>evaluate</c>.</summary>
internal sealed record ManifestTraining(EpochSummary[] History, int BestEpoch, bool StoppedEarly, double Seconds, double SamplesPerSecond)
{
    public static ManifestTraining From(TrainingResult r) => new(r.History.ToArray(), r.BestEpoch, r.StoppedEarly, r.Seconds, r.SamplesPerSecond);

    public TrainingResult ToResult() => new(History, BestEpoch, StoppedEarly, Seconds, SamplesPerSecond);
}

/// <summary>Which score is the model's default anomaly score, and which scorer.onnx output computes it.</summary>
internal sealed record ManifestScore(string Default, string ScorerOutput);
