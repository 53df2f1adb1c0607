using MlNetVae.Engine.Nn;
using MlNetVae.Spec;

namespace MlNetVae;

/// <summary>
/// Everything a user can set about a VAE: its architecture, its likelihood, how it is trained, where its anomaly
/// threshold lies and which columns it reads and writes. Immutable. Each setting is described once, by its
/// <see cref="OptionAttribute"/>: validation, the model file, the ONNX metadata and the CLI's flags derive from it.
/// The defaults were chosen by measurement (README, "Defaults"): a user who sets nothing gets a good model.
/// </summary>
public sealed record VaeOptions
{
    /// <summary>Hidden layer widths of the encoder, input side first (empty: none); null picks them from the feature count (<see cref="VaeSpec"/>).</summary>
    [Option("hidden", "hidden layer widths of the encoder, comma-separated, input side first (the decoder mirrors them); default: from the feature " +
        "count", Min = 1, Max = 65536)]
    public int[]? EncoderHidden { get; init; }

    /// <summary>Hidden layer widths of the decoder, latent side first; null mirrors the encoder.</summary>
    [Option("decoder-hidden", "hidden layer widths of the decoder, comma-separated, latent side first (default: the encoder's, reversed)", Min = 1,
        Max = 65536)]
    public int[]? DecoderHidden { get; init; }

    /// <summary>Latent dimensions K; null picks it from the feature count.</summary>
    [Option("latent", "latent dimensions (default: from the feature count)", Min = 1, Max = 4096)]
    public int? LatentSize { get; init; }

    /// <summary>
    /// The inputs are images of this shape, [channels, height, width] (or [height, width] for one channel), stored one per
    /// row in CHW order; then <see cref="Architecture"/> Auto picks convolutions. The CLI sets it for IDX files.
    /// </summary>
    [Option("image-shape", "the rows are images of this shape, channels,height,width (or height,width), CHW order; IDX files set it", Min = 1, Max = 4096)]
    public int[]? ImageShape { get; init; }

    /// <summary>Dense layers only, or convolutions first for images; Auto picks convolutions when <see cref="ImageShape"/> is set.</summary>
    [Option("architecture", "dense, conv, or auto (conv for images)")]
    public Architecture Architecture { get; init; } = Architecture.Auto;

    /// <summary>Image models: output channels of the encoder's convolutions, input side first (each halves the image); the decoder mirrors them.</summary>
    [Option("conv-channels", "image models: channels of the encoder's convolutions, input side first (each halves the image)", Min = 1, Max = 4096)]
    public int[]? ConvChannels { get; init; }

    /// <summary>Image models: the kernel size of every convolution (stride 2, padding (kernel - 1) / 2).</summary>
    [Option("conv-kernel", "image models: kernel size of every convolution (stride 2)", Min = 2, Max = 15)]
    public int ConvKernel { get; init; } = 4;

    /// <summary>Nonlinearity after every hidden layer.</summary>
    [Option("activation", "nonlinearity after each hidden layer: relu, leakyrelu, elu, tanh or sigmoid")]
    public Activation Activation { get; init; } = Activation.Relu;

    /// <summary>
    /// p(x|z) of the numeric features. <see cref="LikelihoodKind.Auto"/> picks Gaussian (a learned variance per feature)
    /// for convolutional models and for tables with values outside [0, 1], else Bernoulli.
    /// </summary>
    [Option("likelihood", "p(x|z) of numeric features: bernoulli (values in [0, 1]), gaussian, or auto")]
    public LikelihoodKind Likelihood { get; init; } = LikelihoodKind.Auto;

    /// <summary>
    /// Groups of consecutive features that are the one-hot slots of one categorical column (softmax over the slots),
    /// as (first feature, slot count). The CLI fills them from a CSV file's string columns.
    /// </summary>
    [Option(null, "one-hot groups as (first feature, slot count)")]
    public (int Start, int Length)[] CategoricalGroups { get; init; } = [];

    /// <summary>Gaussian features: learn a log-variance per feature (true) or keep it at <see cref="GaussianLogVariance"/>.</summary>
    [Option("learn-variance", "Gaussian features: learn a variance per feature (true) or keep it fixed (false)")]
    public bool LearnGaussianVariance { get; init; } = true;

    /// <summary>Gaussian features: the fixed (or initial, when learned) log-variance in standardized units; 0 is unit variance.</summary>
    [Option(null, "Gaussian features: the fixed or initial log-variance, standardized units", Min = -20, Max = 20)]
    public float GaussianLogVariance { get; init; }

    /// <summary>The encoder's log-variance is clamped to [-LogVarClamp, LogVarClamp] so that exp() cannot overflow.</summary>
    [Option(null, "the encoder's log-variance is clamped to +-this", Min = 0, MinExclusive = true, Max = 80)]
    public float LogVarClamp { get; init; } = 15f;

    /// <summary>Weight of the KL term (beta-VAE); 1 is the true ELBO.</summary>
    [Option("beta", "weight of the KL term (1 = the ELBO)", Min = 0, Max = 1e6)]
    public float Beta { get; init; } = 1f;

    /// <summary>Epochs over which the KL weight ramps linearly from 0 to <see cref="Beta"/> (against posterior collapse); 0 = off.</summary>
    [Option("warmup", "epochs of linear KL warm-up (0 = off)", Min = 0, Max = 100000)]
    public int WarmupEpochs { get; init; }

    /// <summary>Free bits: a floor, in nats, on each latent dimension's batch-mean KL (Kingma et al. 2016); 0 = off.</summary>
    [Option("free-bits", "KL floor per latent dimension, in nats (0 = off)", Min = 0, Max = 1000)]
    public float FreeBits { get; init; }

    /// <summary>Adam's learning rate.</summary>
    [Option("lr", "Adam learning rate", Min = 0, MinExclusive = true, Max = 10)]
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>
    /// The fraction of the training steps, at the end, over which the learning rate falls along half a cosine from
    /// <see cref="LearningRate"/> to 0 (the steps before keep <see cref="LearningRate"/>): 0 keeps it constant, 1 is a cosine
    /// schedule over the whole run. The late small steps let the weights settle instead of wandering at the noise level of a
    /// fixed step. The steps are counted over <see cref="Epochs"/>, wherever early stopping ends training.
    /// </summary>
    [Option("lr-decay", "fraction of the steps, at the end, over which the learning rate falls along half a cosine to 0 (0 = constant)",
        Min = 0, Max = 1, Absent = 0)]
    public float LearningRateDecay { get; init; } = 0.1f;

    /// <summary>
    /// Rows per mini-batch; null picks it from the feature count: 128 for wide inputs such as images, 32 for tables, whose
    /// few thousand rows need the extra optimizer steps (README, "Defaults").
    /// </summary>
    [Option("batch", "rows per mini-batch (default: 128 for 256 features or more, such as images; 32 for tables)", Min = 1, Max = 65536)]
    public int? BatchSize { get; init; }

    /// <summary>Passes over the training rows.</summary>
    [Option("epochs", "passes over the training rows", Min = 1, Max = 100000)]
    public int Epochs { get; init; } = 40;

    /// <summary>Fraction of rows held out to measure the validation ELBO each epoch; 0 = none.</summary>
    [Option("val-fraction", "fraction of rows held out for the validation -ELBO (0 = none)", Min = 0, Max = 0.9)]
    public float ValidationFraction { get; init; }

    /// <summary>Stop after this many epochs without a better validation ELBO and restore the best weights; 0 = off. Needs a validation fraction.</summary>
    [Option("patience", "early stopping after this many epochs without a better validation -ELBO (0 = off)", Min = 0, Max = 100000)]
    public int Patience { get; init; }

    /// <summary>
    /// Seed of every random choice (initial weights, shuffling, noise). Same seed, same weights, on any thread count.
    /// Null (the default) draws it from the MLContext, as ML.NET's own trainers do: the same MLContext seed gives the
    /// same model, different seeds different models.
    /// </summary>
    [Option("seed", "seed of every random choice (default: drawn from the MLContext; the CLI uses 1)")]
    public int? Seed { get; init; }

    /// <summary>Threads the managed engine uses; 0 = all cores. More than the machine's cores is refused (it only slows training down).</summary>
    [Option("threads", "threads (0 = all cores)", Min = 0, Max = 1024)]
    public int Threads { get; init; }

    /// <summary>
    /// Megabytes of training rows <c>Fit</c> may hold in memory. Data that fits is read once and trained on in memory.
    /// Larger data trains in passes, in memory bounded by this setting whatever the row count: a first pass over the
    /// IDataView fits the feature statistics (and copies the rows to disk, <see cref="DiskCache"/>), each epoch reads
    /// the rows again through a shuffle pool of half this size (with a quarter for the validation rows), and a scoring
    /// pass sets the threshold.
    /// </summary>
    [Option("memory-budget", "megabytes of training rows held in memory; larger data trains in passes over the data, in memory bounded by this",
        Min = 1, Max = 1 << 20)]
    public int MemoryBudgetMegabytes { get; init; } = 256;

    /// <summary>
    /// Data beyond <see cref="MemoryBudgetMegabytes"/>: copy its rows to a temporary file during the first pass (in the
    /// system's temporary folder, TMPDIR on Linux; the CLI uses the model's folder) and read every later pass from it,
    /// which trains several times faster than reading the IDataView again each epoch. The file takes 4 bytes per value
    /// plus 8 per row and is gone when <c>Fit</c> returns, however it ends. False reads the IDataView once per pass.
    /// </summary>
    [Option("disk-cache", "data beyond the memory budget: copy its rows to a temporary file in the first pass and train from it " +
        "(false: read the data again every epoch)")]
    public bool DiskCache { get; init; } = true;

    /// <summary>Image data: resample Bernoulli targets as 0/1 with probability equal to the pixel value at each step.</summary>
    [Option("dynamic-binarization", "resample Bernoulli targets as 0/1 at each step (image data)")]
    public bool DynamicBinarization { get; init; }

    /// <summary>
    /// Which engine trains the model, by name: <c>managed</c> (the library's own, always there), a backend registered
    /// with <see cref="Backends.TrainingBackends.Register"/> (<c>torchsharp</c>, after <c>TorchSharpBackend.Register()</c> from the
    /// MlNetVae.TorchSharp package), or <c>auto</c>: a registered backend that has a GPU to use, else the managed engine.
    /// </summary>
    [Option("backend", "training backend: managed, torchsharp (MlNetVae.TorchSharp), or auto (a registered backend with a GPU, else managed)")]
    public string Backend { get; init; } = Backends.TrainingBackends.Auto;

    /// <summary>The TorchSharp device: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>; null lets <see cref="Backend"/> decide.</summary>
    [Option("device", "TorchSharp device: cpu, cuda or cuda:N")]
    public string? Device { get; init; }

    /// <summary>The input column: a known-size vector of Single (what <c>Concatenate</c> produces).</summary>
    [Option(null, "the input column, a known-size Single vector")]
    public string FeatureColumnName { get; init; } = "Features";

    /// <summary>
    /// Which output columns the transformer adds; each is computed only when something reads it. The default is every
    /// column but the score's split (<see cref="VaeColumns.Contributions"/>, which costs ONNX Runtime its time on every row
    /// of a saved model): set <see cref="VaeColumns.All"/>, or add <see cref="VaeColumns.Contributions"/>, to explain rows.
    /// </summary>
    /// <remarks>Spelled out rather than named, so that a model file saved with the default stays readable by earlier versions.</remarks>
    [Option(null, "the output columns to add")]
    public VaeColumns OutputColumns { get; init; } =
        VaeColumns.Score | VaeColumns.PredictedLabel | VaeColumns.LatentMean | VaeColumns.Reconstruction | VaeColumns.NegElbo;

    /// <summary>The anomaly score column (Single, higher = more unusual).</summary>
    [Option(null, "name of the anomaly score column")]
    public string ScoreColumnName { get; init; } = "Score";

    /// <summary>The anomaly flag column (Boolean: score above the threshold).</summary>
    [Option(null, "name of the anomaly flag column")]
    public string PredictedLabelColumnName { get; init; } = "PredictedLabel";

    /// <summary>The posterior mean column (vector of K).</summary>
    [Option(null, "name of the latent mean column")]
    public string LatentMeanColumnName { get; init; } = "LatentMean";

    /// <summary>The reconstruction column (vector of D, raw units).</summary>
    [Option(null, "name of the reconstruction column")]
    public string ReconstructionColumnName { get; init; } = "Reconstruction";

    /// <summary>The negative ELBO column (Single, at z = posterior mean).</summary>
    [Option(null, "name of the negative ELBO column")]
    public string NegElboColumnName { get; init; } = "NegElbo";

    /// <summary>The feature contributions column (vector of F: the score's feature part split over the input columns or pixels).</summary>
    [Option(null, "name of the feature contributions column")]
    public string FeatureContributionsColumnName { get; init; } = "FeatureContributions";

    /// <summary>The latent contribution column (Single: the part of the score no feature owns).</summary>
    [Option(null, "name of the latent contribution column")]
    public string LatentContributionColumnName { get; init; } = "LatentContribution";

    /// <summary>
    /// The anomaly score the Score column holds; deterministic scores only. Null = chosen by the one-class benchmarks:
    /// <see cref="AnomalyScore.StructuralMultiscaleSum"/> for convolutional (image) models, <see cref="AnomalyScore.CorrectedNegElbo"/>
    /// otherwise (<see cref="VaeSpec.Score"/> holds the choice).
    /// </summary>
    [Option("score", "the anomaly score: correctednegelbo (tables' default), reconstructiondivergence, reconstructionerror, latentmahalanobis, " +
        "combined, standardizedsum, smoothedreconstructionerror, smoothedstandardizedsum, multiscalestandardizedsum, " +
        "relativemultiscalesum (images only) or structuralmultiscalesum (images' default)")]
    public AnomalyScore? Score { get; init; }

    /// <summary>
    /// The expected fraction of anomalies in the training rows: the threshold flags that fraction of them (PyOD's
    /// convention and default, 0.1). Ignored when <see cref="FalsePositiveRate"/> is set.
    /// </summary>
    [Option("contamination", "expected fraction of anomalies in the training rows; sets the threshold", Min = 0, MinExclusive = true, Max = 0.5)]
    public double Contamination { get; init; } = 0.1;

    /// <summary>
    /// When set, the threshold flags about this fraction of normal rows: the held-out validation rows when there are
    /// any (<see cref="ValidationFraction"/>), else the training rows, which are then taken to be all normal.
    /// </summary>
    [Option("false-positive-rate", "fraction of normal rows to flag (held-out rows when --val-fraction is set); overrides --contamination", Min = 0,
        MinExclusive = true, Max = 0.5)]
    public double? FalsePositiveRate { get; init; }

    /// <summary>What computes the transformer's columns: the managed engine (default) or ONNX Runtime on the exported scorer.</summary>
    [Option("inference", "what computes the outputs: managed or onnxruntime")]
    public InferenceEngine Inference { get; init; } = InferenceEngine.Managed;

    /// <summary>ONNX Runtime only: the CUDA device to run on; when CUDA is not present, the transformer says so once and runs on the CPU.</summary>
    [Option("gpu", "ONNX Runtime inference on this CUDA device (falls back to the CPU, with a note, when there is none)", Min = 0, Max = 64)]
    public int? GpuDeviceId { get; init; }

    /// <summary>Rows the transformer scores per forward pass; memory stays bounded by it, whatever the row count.</summary>
    [Option(null, "rows per forward pass when transforming", Min = 1, Max = 65536)]
    public int InferenceBatchSize { get; init; } = 512;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting (its property name is the exception's ParamName).</summary>
    public void Validate()
    {
        if (OptionCatalog.FirstOutOfRange(this) is var (name, message)) Fail(name, message);
        if (CategoricalGroups is null || CategoricalGroups.Any(g => g.Start < 0 || g.Length < 2))
            Fail(nameof(CategoricalGroups), "each group needs a start >= 0 and at least 2 slots");
        if (Patience > 0 && ValidationFraction == 0) Fail(nameof(Patience), "early stopping needs a validation fraction above 0");
        if (Threads > Environment.ProcessorCount)
            Fail(nameof(Threads), $"this machine has {Environment.ProcessorCount} cores; more threads than cores only slow training down (0 = all cores)");
        if (!Enum.IsDefined(Architecture)) Fail(nameof(Architecture), $"unknown architecture {Architecture}");
        if (ConvChannels is { Length: 0 }) Fail(nameof(ConvChannels), "needs at least one convolution");
        if (ImageShape is not null && ImageShape.Length is not (2 or 3)) Fail(nameof(ImageShape), $"expected height,width or channels,height,width, " +
            $"got {ImageShape.Length} numbers");
        if (!Enum.IsDefined(Activation)) Fail(nameof(Activation), $"unknown activation {Activation}");
        if (!Enum.IsDefined(Likelihood)) Fail(nameof(Likelihood), $"unknown likelihood {Likelihood}");
        if (string.IsNullOrWhiteSpace(Backend)) Fail(nameof(Backend), "a backend name cannot be empty (managed, auto, or a registered backend)");
        if ((OutputColumns & ~VaeColumns.All) != 0) Fail(nameof(OutputColumns), $"unknown columns {OutputColumns}");
        if (Score is AnomalyScore.NegElbo or AnomalyScore.IwaeNll || Score is { } score && !Enum.IsDefined(score))
            Fail(nameof(Score), $"{Score} is sampled, not a deterministic score; the Score column needs one of {string.Join(", ",
                Enum.GetValues<AnomalyScore>().Where(s => s is not (AnomalyScore.NegElbo or AnomalyScore.IwaeNll)))}");
        foreach (var (column, value) in new[] { (nameof(FeatureColumnName), FeatureColumnName), (nameof(ScoreColumnName), ScoreColumnName),
            (nameof(PredictedLabelColumnName), PredictedLabelColumnName), (nameof(LatentMeanColumnName), LatentMeanColumnName),
            (nameof(ReconstructionColumnName), ReconstructionColumnName), (nameof(NegElboColumnName), NegElboColumnName),
            (nameof(FeatureContributionsColumnName), FeatureContributionsColumnName), (nameof(LatentContributionColumnName), LatentContributionColumnName) })
            if (string.IsNullOrWhiteSpace(value)) Fail(column, "a column name cannot be empty");
        if (!Enum.IsDefined(Inference)) Fail(nameof(Inference), $"unknown inference engine {Inference}");
        if (GpuDeviceId is not null && Inference != InferenceEngine.OnnxRuntime) Fail(nameof(GpuDeviceId), "GPU inference runs through ONNX Runtime: " +
            "set Inference to OnnxRuntime");
        if (Device is not null && !IsDevice(Device)) Fail(nameof(Device), $"expected cpu, cuda or cuda:N, got '{Device}'");
        if (Device is not null && Device != "cpu" && Backends.TrainingBackends.Is(Backend, Backends.TrainingBackends.Managed))
            Fail(nameof(Device), "the managed backend runs on the CPU; use the torchsharp backend for CUDA");
    }

    private static bool IsDevice(string device) =>
        device is "cpu" or "cuda" || device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), out int n) && n >= 0;

    private static void Fail(string name, string message) => throw new ArgumentException($"VaeOptions.{name}: {message}", name);
}

/// <summary>The likelihood p(x|z) of the numeric (non-categorical) features.</summary>
public enum LikelihoodKind
{
    /// <summary>Bernoulli when every training value lies in [0, 1], Gaussian otherwise.</summary>
    Auto,
    /// <summary>Bernoulli on targets in [0, 1] (BCE on logits; continuous targets allowed, as for pixel intensities).</summary>
    Bernoulli,
    /// <summary>Gaussian on standardized features with a learned or fixed per-feature variance.</summary>
    Gaussian,
}

/// <summary>The columns the transformer can add.</summary>
[Flags]
public enum VaeColumns
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>The anomaly score (Single).</summary>
    Score = 1,
    /// <summary>Score above the threshold (Boolean).</summary>
    PredictedLabel = 2,
    /// <summary>The posterior mean (vector of K).</summary>
    LatentMean = 4,
    /// <summary>The reconstruction at the posterior mean, raw units (vector of D).</summary>
    Reconstruction = 8,
    /// <summary>The negative ELBO at the posterior mean (Single).</summary>
    NegElbo = 16,
    /// <summary>
    /// The score's feature part split over the explained features (vector of F: the input columns, a categorical column's
    /// one-hot group counted once; the pixels of an image).
    /// </summary>
    FeatureContributions = 32,
    /// <summary>The part of the score that no feature owns: the KL or the latent distance (Single).</summary>
    LatentContribution = 64,
    /// <summary>The score's split: <see cref="FeatureContributions"/> and <see cref="LatentContribution"/>, whose sum is the score.</summary>
    Contributions = FeatureContributions | LatentContribution,
    /// <summary>Every column.</summary>
    All = Score | PredictedLabel | LatentMean | Reconstruction | NegElbo | Contributions,
}

/// <summary>What computes the transformer's columns.</summary>
public enum InferenceEngine
{
    /// <summary>The managed engine, in batches (the faster on CPUs; no native code).</summary>
    Managed,
    /// <summary>ONNX Runtime on the exported scorer graph, in batches; CUDA when <see cref="VaeOptions.GpuDeviceId"/> is set.</summary>
    OnnxRuntime,
}

/// <summary>The kind of network.</summary>
public enum Architecture
{
    /// <summary>Convolutions when the inputs are images (<see cref="VaeOptions.ImageShape"/>), dense layers otherwise.</summary>
    Auto,
    /// <summary>Dense (Linear) layers only.</summary>
    Dense,
    /// <summary>Strided convolutions in the encoder and transposed convolutions in the decoder, around dense layers.</summary>
    Conv,
}
