using MlNetVae.Engine.Randomness;

namespace MlNetVae.Spec;

/// <summary>What a tensor of the state dict is for.</summary>
public enum TensorRole
{
    /// <summary>Trained by the optimizer.</summary>
    Parameter,
    /// <summary>Fixed during training (standardization, a fixed variance, fitted score statistics).</summary>
    Buffer,
}

/// <summary>One tensor a model of a given spec has: name, shape, role, and how a fresh model initializes it.</summary>
/// <param name="Name">PyTorch-style name.</param>
/// <param name="Shape">Dimensions.</param>
/// <param name="Role">Parameter or buffer.</param>
/// <param name="FanIn">For PyTorch's default Linear/Conv init, uniform in +-1/sqrt(fan in); 0 when <paramref name="Fill"/> applies.</param>
/// <param name="Fill">The constant a fresh model fills the tensor with when <paramref name="FanIn"/> is 0.</param>
public sealed record TensorSpec(string Name, int[] Shape, TensorRole Role, int FanIn, float Fill = 0f)
{
    /// <summary>Number of values.</summary>
    public int Length => Shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>A Linear layer of a spec: y = x W^T + b with W [Out, In] named <paramref name="Weight"/> and b [Out] named <paramref name="Bias"/>.</summary>
/// <param name="Weight">The weight's state-dict name.</param>
/// <param name="Bias">The bias's state-dict name.</param>
/// <param name="In">Input width.</param>
/// <param name="Out">Output width.</param>
public sealed record DenseLayer(string Weight, string Bias, int In, int Out);

/// <summary>
/// The shape of one model, fully resolved: its input layout, its layers and its latent size. A spec and a state dict
/// are a whole model; every backend, the ONNX exporter and the loader work from these two alone.
/// </summary>
/// <remarks>
/// The encoder is hidden Linear layers with the activation after each, then one Linear layer emitting
/// [mean | log-variance] (2K wide: one product instead of two heads). The decoder mirrors it: hidden layers from K,
/// then a Linear layer to D whose output is, per feature block, logits, Gaussian means or category logits.
/// Layer names count as PyTorch's nn.Sequential does (activations take the odd indices).
/// </remarks>
public sealed record VaeSpec
{
    /// <summary>Name of the per-feature mean subtracted from raw inputs, [D].</summary>
    public const string InputMean = "input.mean";

    /// <summary>Name of the per-feature scale raw inputs are divided by after centering, [D].</summary>
    public const string InputScale = "input.scale";

    private VaeSpec(VaeOptions options, FeatureLayout layout)
    {
        Options = options;
        Layout = layout;
        Features = layout.Features;
        LatentSize = options.LatentSize!.Value;
        EncoderHidden = options.EncoderHidden!;
        DecoderHidden = options.DecoderHidden ?? EncoderHidden.Reverse().ToArray();
        Encoder = Layers("encoder", [Features, .. EncoderHidden, 2 * LatentSize]);
        Decoder = Layers("decoder", [LatentSize, .. DecoderHidden, Features]);
        // Names are built once here: the training step looks them up without allocating.
        LogVarianceNames = layout.Blocks.Select(b => b.Kind == FeatureKind.Gaussian ? $"likelihood.{b.Start}.log_var" : "").ToArray();
        Tensors = ListTensors();
    }

    /// <summary>The options the spec was resolved from, with every automatic choice made concrete (what the model file stores).</summary>
    public VaeOptions Options { get; }

    /// <summary>The input features' likelihood blocks.</summary>
    public FeatureLayout Layout { get; }

    /// <summary>Input width D.</summary>
    public int Features { get; }

    /// <summary>Latent width K.</summary>
    public int LatentSize { get; }

    /// <summary>Rows per mini-batch.</summary>
    public int BatchSize => Options.BatchSize!.Value;

    /// <summary>Hidden widths of the encoder, input side first.</summary>
    public int[] EncoderHidden { get; }

    /// <summary>Hidden widths of the decoder, latent side first.</summary>
    public int[] DecoderHidden { get; }

    /// <summary>Every tensor of the model, in state-dict order.</summary>
    public IReadOnlyList<TensorSpec> Tensors { get; }

    /// <summary>The encoder's Linear layers, input side first; the last emits [mean | log-variance], 2K wide.</summary>
    public IReadOnlyList<DenseLayer> Encoder { get; }

    /// <summary>The decoder's Linear layers, latent side first; the last emits the D raw outputs.</summary>
    public IReadOnlyList<DenseLayer> Decoder { get; }

    /// <summary>Per block of <see cref="FeatureLayout.Blocks"/>: the name of a Gaussian block's per-feature log-variance [length], or "".</summary>
    public IReadOnlyList<string> LogVarianceNames { get; }

    /// <summary>
    /// Resolves options against the data's layout: automatic widths become concrete, and the model must fit in
    /// memory. Throws <see cref="ArgumentException"/> naming the option at fault.
    /// </summary>
    public static VaeSpec Resolve(VaeOptions options, FeatureLayout layout)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(layout);
        options.Validate();
        var (hidden, latent, batch) = Defaults(layout.Features);
        var resolved = options with
        {
            EncoderHidden = options.EncoderHidden ?? hidden,
            LatentSize = options.LatentSize ?? latent,
            BatchSize = options.BatchSize ?? batch,
        };
        var spec = new VaeSpec(resolved, layout);
        spec.CheckFitsInMemory();
        return spec;
    }

    /// <summary>
    /// What a user who sets nothing gets: for wide inputs such as images the reference VAE (400 hidden, 20 latent,
    /// batch 128); for tables a smaller two-layer network and batch 32 (README "Defaults" has the measurements).
    /// </summary>
    internal static (int[] Hidden, int Latent, int Batch) Defaults(int features)
    {
        if (features >= 256) return ([400], 20, 128);
        int first = (int)Math.Clamp(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(2 * features)), 32, 256);
        return ([first, first / 2], Math.Clamp((features + 3) / 4, 2, 16), 32);
    }

    /// <summary>A fresh model's state dict: PyTorch's default Linear init drawn from <paramref name="seed"/>, and the fitted standardization.</summary>
    public StateDict Initialize(FeatureStatistics statistics, int seed)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        if (!statistics.Layout.Equals(Layout)) throw new ArgumentException("the feature statistics were fitted for another layout");
        var rng = new Rng((ulong)seed);
        var state = new StateDict();
        foreach (var t in Tensors)
        {
            var data = new float[t.Length];
            if (t.Name == InputMean) statistics.Mean.CopyTo(data, 0);
            else if (t.Name == InputScale) statistics.Scale.CopyTo(data, 0);
            else if (t.FanIn > 0)
            {
                float bound = 1f / MathF.Sqrt(t.FanIn);
                rng.FillUniform(data, -bound, bound);
            }
            else Array.Fill(data, t.Fill);
            state.Set(t.Name, t.Shape, data);
        }
        return state;
    }

    /// <summary>
    /// Checks that <paramref name="state"/> holds exactly this spec's tensors with their shapes and only finite values,
    /// and positive scales. Throws <see cref="ArgumentException"/> naming the first problem.
    /// </summary>
    public void Validate(StateDict state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var t in Tensors)
        {
            if (!state.Contains(t.Name)) throw new ArgumentException($"tensor '{t.Name}' is missing");
            var actual = state[t.Name];
            if (!actual.Shape.SequenceEqual(t.Shape))
                throw new ArgumentException($"tensor '{t.Name}' has shape [{string.Join(", ", actual.Shape)}], expected [{string.Join(", ", t.Shape)}]");
            int bad = Array.FindIndex(actual.Data, v => !float.IsFinite(v));
            if (bad >= 0) throw new ArgumentException($"tensor '{t.Name}' holds the non-finite value {actual.Data[bad]} at {bad}");
        }
        int nonPositive = Array.FindIndex(state[InputScale].Data, s => !(s > 0));
        if (nonPositive >= 0) throw new ArgumentException($"tensor '{InputScale}' holds the non-positive scale {state[InputScale].Data[nonPositive]} at {nonPositive}");
    }

    private IReadOnlyList<TensorSpec> ListTensors()
    {
        var list = new List<TensorSpec>
        {
            new(InputMean, [Features], TensorRole.Buffer, 0),
            new(InputScale, [Features], TensorRole.Buffer, 0, 1f),
        };
        foreach (var layer in Encoder.Concat(Decoder))
        {
            list.Add(new(layer.Weight, [layer.Out, layer.In], TensorRole.Parameter, layer.In));
            list.Add(new(layer.Bias, [layer.Out], TensorRole.Parameter, layer.In));
        }
        var role = Options.LearnGaussianVariance ? TensorRole.Parameter : TensorRole.Buffer;
        for (int i = 0; i < Layout.Blocks.Count; i++)
            if (Layout.Blocks[i].Kind == FeatureKind.Gaussian)
                list.Add(new(LogVarianceNames[i], [Layout.Blocks[i].Length], role, 0, Options.GaussianLogVariance));
        return list;
    }

    private static DenseLayer[] Layers(string prefix, int[] sizes) =>
        Enumerable.Range(0, sizes.Length - 1).Select(i => new DenseLayer($"{prefix}.{2 * i}.weight", $"{prefix}.{2 * i}.bias", sizes[i], sizes[i + 1])).ToArray();

    /// <summary>
    /// Refuses a model whose training state (values, gradients and two Adam moments per parameter) plus one batch's
    /// activations would not fit in half of the memory this process may use: absurd widths fail here, at once, with
    /// the option named, instead of after minutes and gigabytes.
    /// </summary>
    private void CheckFitsInMemory()
    {
        long parameters = Tensors.Sum(t => (long)t.Length);
        long widths = Features * 6L + EncoderHidden.Sum(w => (long)w) * 4 + DecoderHidden.Sum(w => (long)w) * 4 + LatentSize * 12L;
        long bytes = 4 * (4 * parameters + BatchSize * widths);
        long budget = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;
        if (bytes > budget)
            throw new ArgumentException(
                $"VaeOptions: a {Features}-{string.Join("-", EncoderHidden)}-{LatentSize} model with batch {BatchSize} needs about {bytes >> 20} MB to train, more than half of the {budget >> 19} MB available; use smaller widths (--hidden, --latent) or a smaller --batch",
                parameters * 16 > budget ? nameof(VaeOptions.EncoderHidden) : nameof(VaeOptions.BatchSize));
    }
}
