namespace MlNetVae.Graph;

/// <summary>How an output's value for one row is typed, in every place it appears.</summary>
internal enum OutputKind
{
    /// <summary>One number: ML.NET Single, ONNX float [batch, 1], one CSV cell.</summary>
    Single,

    /// <summary>The score compared with the threshold: ML.NET Boolean, ONNX bool [batch, 1] (score &gt; threshold), CSV 0 or 1.</summary>
    Flag,

    /// <summary>
    /// A vector of <see cref="VaeOutput.Width"/> numbers: ML.NET Vector&lt;Single, 1, W&gt; (the type ML.NET's OnnxTransformer gives
    /// the [batch, W] output of a reloaded model, so a fitted and a reloaded pipeline have the same schema), ONNX float [batch, W].
    /// </summary>
    Vector,
}

/// <summary>
/// One output of the VAE step, described once: its id (its flag in <see cref="VaeOptions.OutputColumns"/>), the option
/// naming its ML.NET column, its ONNX and CSV names, its kind and width, and the formula computing it from one
/// <see cref="ForwardPass{T}"/>. The ML.NET schema, cursor, row mapper and saved form, the ONNX scorer and the CLI all
/// read <see cref="All"/>: a new output is one more entry here and its formula.
/// </summary>
internal abstract class VaeOutput
{
    private VaeOutput(VaeColumns column, string onnxName, string csvName, OutputKind kind)
    {
        Column = column;
        OnnxName = onnxName;
        CsvName = csvName;
        Kind = kind;
    }

    /// <summary>The anomaly score (the model's <see cref="AnomalyScore"/>).</summary>
    public static VaeOutput Score { get; } = new ScoreOutput();

    /// <summary>Score above the threshold.</summary>
    public static VaeOutput PredictedLabel { get; } = new PredictedLabelOutput();

    /// <summary>The posterior mean: the row's embedding.</summary>
    public static VaeOutput LatentMean { get; } = new LatentMeanOutput();

    /// <summary>The likelihood's mean at z = posterior mean, in raw units.</summary>
    public static VaeOutput Reconstruction { get; } = new ReconstructionOutput();

    /// <summary>The negative ELBO at z = posterior mean.</summary>
    public static VaeOutput NegElbo { get; } = new NegElboOutput();

    /// <summary>The clamped posterior log-variance (encoder.onnx and the library's own use; not an ML.NET column).</summary>
    public static VaeOutput LatentLogVar { get; } = new LatentLogVarOutput();

    /// <summary>Each row's score split over its explained features (Graph/ExplainedFeatures), the score's feature part.</summary>
    public static VaeOutput FeatureContributions { get; } = new FeatureContributionsOutput();

    /// <summary>The part of each row's score that no feature owns (the KL or the latent distance).</summary>
    public static VaeOutput LatentContribution { get; } = new LatentContributionOutput();

    /// <summary>Every output, in the order columns are added (new ones go last).</summary>
    public static IReadOnlyList<VaeOutput> All { get; } =
        [Score, PredictedLabel, LatentMean, Reconstruction, NegElbo, LatentLogVar, FeatureContributions, LatentContribution];

    /// <summary>The outputs the scorer graph has: every ML.NET column.</summary>
    public static IEnumerable<VaeOutput> Scorer => All.Where(o => o.Column != VaeColumns.None);

    /// <summary>
    /// The scorer graph's outputs in the graph's order: the values the first graphs had, the flag (present when the graph
    /// has a threshold), then the outputs added since, so that a consumer reading outputs by position keeps working.
    /// </summary>
    public static IReadOnlyList<VaeOutput> GraphOrder { get; } =
        [Score, LatentMean, Reconstruction, NegElbo, PredictedLabel, FeatureContributions, LatentContribution];

    /// <summary>Its flag in <see cref="VaeOptions.OutputColumns"/>; <see cref="VaeColumns.None"/> when it is not an ML.NET column.</summary>
    public VaeColumns Column { get; }

    /// <summary>Its name in the exported graphs (onnx/CONTRACT.md).</summary>
    public string OnnxName { get; }

    /// <summary>Its column in the CLI's CSV files (the prefix of numbered columns for a vector).</summary>
    public string CsvName { get; }

    /// <summary>How one row's value is typed.</summary>
    public OutputKind Kind { get; }

    /// <summary>The ML.NET column name the options give it.</summary>
    public abstract string ColumnName(VaeOptions options);

    /// <summary>Numbers per row for a model of <paramref name="spec"/>.</summary>
    public virtual int Width(VaeSpec spec) => 1;

    /// <summary>
    /// Records the output of one pass, [rows, <see cref="Width"/>]; a <see cref="OutputKind.Flag"/> records the score it
    /// compares. <paramref name="score"/> is the anomaly score, needed by the outputs that read it.
    /// </summary>
    public abstract T Record<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> pass, AnomalyScore? score) where T : class;

    /// <summary>The ML.NET columns <paramref name="options"/> asks for, in schema order.</summary>
    public static IEnumerable<VaeOutput> Columns(VaeOptions options) => Scorer.Where(o => options.OutputColumns.HasFlag(o.Column));

    /// <summary>The output of a flag in <see cref="VaeOptions.OutputColumns"/>.</summary>
    public static VaeOutput Of(VaeColumns column) => All.Single(o => o.Column == column);

    public override string ToString() => Column == VaeColumns.None ? OnnxName : Column.ToString();

    private static AnomalyScore Needed(AnomalyScore? score) =>
        score ?? throw new ArgumentNullException(nameof(score), "the score output needs the anomaly score it computes");

    private sealed class ScoreOutput() : VaeOutput(VaeColumns.Score, OnnxNames.Score, "score", OutputKind.Single)
    {
        public override string ColumnName(VaeOptions options) => options.ScoreColumnName;

        public override T Record<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> pass, AnomalyScore? score) =>
            ScoreFormulas.Deterministic(o, spec, pass, Needed(score));
    }

    private sealed class PredictedLabelOutput() : VaeOutput(VaeColumns.PredictedLabel, OnnxNames.PredictedLabel, "is_anomaly", OutputKind.Flag)
    {
        public override string ColumnName(VaeOptions options) => options.PredictedLabelColumnName;

        public override T Record<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> pass, AnomalyScore? score) =>
            ScoreFormulas.Deterministic(o, spec, pass, Needed(score));
    }

    private sealed class LatentMeanOutput() : VaeOutput(VaeColumns.LatentMean, OnnxNames.LatentMean, "z", OutputKind.Vector)
    {
        public override string ColumnName(VaeOptions options) => options.LatentMeanColumnName;

        public override int Width(VaeSpec spec) => spec.LatentSize;

        public override T Record<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> pass, AnomalyScore? score) => pass.Mean;
    }

    private sealed class ReconstructionOutput() : VaeOutput(VaeColumns.Reconstruction, OnnxNames.Reconstruction, "reconstruction", OutputKind.Vector)
    {
        public override string ColumnName(VaeOptions options) => options.ReconstructionColumnName;

        public override int Width(VaeSpec spec) => spec.Features;

        public override T Record<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> pass, AnomalyScore? score) => Network.RawMean(o, spec, pass.Output);
    }

    private sealed class NegElboOutput() : VaeOutput(VaeColumns.NegElbo, OnnxNames.NegElbo, "neg_elbo", OutputKind.Single)
    {
        public override string ColumnName(VaeOptions options) => options.NegElboColumnName;

        public override T Record<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> pass, AnomalyScore? score) => ScoreFormulas.NegElboAtMean(o, spec, pass);
    }

    private sealed class FeatureContributionsOutput()
        : VaeOutput(VaeColumns.FeatureContributions, OnnxNames.FeatureContributions, "feature_contributions", OutputKind.Vector)
    {
        public override string ColumnName(VaeOptions options) => options.FeatureContributionsColumnName;

        public override int Width(VaeSpec spec) => ExplainedFeatures.Count(spec);

        public override T Record<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> pass, AnomalyScore? score) =>
            ScoreFormulas.Split(o, spec, pass, Needed(score)).Features;
    }

    private sealed class LatentContributionOutput()
        : VaeOutput(VaeColumns.LatentContribution, OnnxNames.LatentContribution, "latent_contribution", OutputKind.Single)
    {
        public override string ColumnName(VaeOptions options) => options.LatentContributionColumnName;

        public override T Record<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> pass, AnomalyScore? score) =>
            ScoreFormulas.Split(o, spec, pass, Needed(score)).Latent;
    }

    private sealed class LatentLogVarOutput() : VaeOutput(VaeColumns.None, OnnxNames.LatentLogVar, "latent_log_var", OutputKind.Vector)
    {
        public override string ColumnName(VaeOptions options) => throw new InvalidOperationException("the latent log-variance is not an ML.NET column");

        public override int Width(VaeSpec spec) => spec.LatentSize;

        public override T Record<T>(IOps<T> o, VaeSpec spec, ForwardPass<T> pass, AnomalyScore? score) => pass.LogVar;
    }
}
