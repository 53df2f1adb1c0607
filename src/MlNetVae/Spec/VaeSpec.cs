using MlNetVae.Engine.Kernels;
using MlNetVae.Engine.Randomness;
using MlNetVae.Spec;

namespace MlNetVae.Backends;

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

/// <summary>A layer of a spec: its weight and bias names in the state dict, its input and output widths.</summary>
/// <param name="Weight">The weight's state-dict name.</param>
/// <param name="Bias">The bias's state-dict name.</param>
public abstract record Layer(string Weight, string Bias)
{
    /// <summary>Floats per input row.</summary>
    public abstract int In { get; }

    /// <summary>Floats per output row.</summary>
    public abstract int Out { get; }

    /// <summary>The weight's shape (PyTorch's layout).</summary>
    public abstract int[] WeightShape { get; }

    /// <summary>PyTorch's fan_in of the weight, which sets its default initialization bound 1/sqrt(fan_in).</summary>
    public abstract int FanIn { get; }
}

/// <summary>A Linear layer: y = x W^T + b with W [Out, In] and b [Out].</summary>
public sealed record DenseLayer(string Weight, string Bias, int InWidth, int OutWidth) : Layer(Weight, Bias)
{
    /// <inheritdoc/>
    public override int In => InWidth;

    /// <inheritdoc/>
    public override int Out => OutWidth;

    /// <inheritdoc/>
    public override int[] WeightShape => [OutWidth, InWidth];

    /// <inheritdoc/>
    public override int FanIn => InWidth;
}

/// <summary>
/// A 2-D convolution or transposed convolution on images stored one per row in CHW order, with PyTorch's weight layouts
/// ([out, in, kh, kw], [in, out, kh, kw] for a transposed one) and bias [out channels].
/// </summary>
public sealed record ConvLayer(string Weight, string Bias, ConvGeometry Geometry) : Layer(Weight, Bias)
{
    /// <inheritdoc/>
    public override int In => Geometry.InFeatures;

    /// <inheritdoc/>
    public override int Out => Geometry.OutFeatures;

    /// <inheritdoc/>
    public override int[] WeightShape => Geometry.WeightShape;

    /// <summary>PyTorch reads fan_in from dimension 1 of the weight: in channels for a convolution, out channels for a transposed one, times the
    /// kernel area.</summary>
    public override int FanIn => WeightShape[1] * Geometry.KernelHeight * Geometry.KernelWidth;
}

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
        (Encoder, Decoder) = WantsConvolutions(options) ? ConvLayers(options) : (Dense("encoder", 0, [Features, .. EncoderHidden, 2 * LatentSize]),
            Dense("decoder", 0, [LatentSize, .. DecoderHidden, Features]));
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

    /// <summary>The encoder's layers, input side first (convolutions first for images); the last emits [mean | log-variance], 2K wide.</summary>
    public IReadOnlyList<Layer> Encoder { get; }

    /// <summary>The decoder's layers, latent side first (transposed convolutions last for images); the last emits the D raw outputs.</summary>
    public IReadOnlyList<Layer> Decoder { get; }

    /// <summary>The anomaly score of the Score column (the option, or the default for this kind of model).</summary>
    public AnomalyScore Score => Options.Score!.Value;

    /// <summary>The rows' image shape as channels x height x width, or null for tables.</summary>
    internal (int Channels, int Height, int Width)? Image => ImageOf(Options.ImageShape);

    /// <summary>An image shape option (channels, height, width, or height, width) as channels x height x width; null stays null.</summary>
    private static (int Channels, int Height, int Width)? ImageOf(int[]? shape) => shape switch
    {
        null => null,
        [int c, int h, int w] => (c, h, w),
        [int h, int w] => (1, h, w),
        var s => throw new ArgumentException($"VaeOptions.ImageShape: expected height,width or channels,height,width, got {s.Length} numbers"),
    };

    /// <summary>True when the encoder starts with convolutions.</summary>
    public bool IsConvolutional => Encoder[0] is ConvLayer;

    /// <summary>Per block of <see cref="FeatureLayout.Blocks"/>: the name of a Gaussian block's per-feature log-variance [length], or "".</summary>
    public IReadOnlyList<string> LogVarianceNames { get; }

    /// <summary>
    /// Resolves options against the data's layout: automatic widths become concrete, and the model must fit in
    /// memory. <paramref name="rows"/>, the number of training rows when known (0 when not), sets the image models'
    /// default batch. Throws <see cref="ArgumentException"/> naming the option at fault.
    /// </summary>
    internal static VaeSpec Resolve(VaeOptions options, FeatureLayout layout, int rows = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(layout);
        options.Validate();
        if (options.Architecture == Architecture.Conv && options.ImageShape is null)
            throw new ArgumentException("VaeOptions.Architecture: convolutions need the image shape (VaeOptions.ImageShape, --image-shape; IDX files " +
                "set it)", nameof(VaeOptions.Architecture));
        if (options.Score is { } score && AnomalyScores.NeedsImages(score) && options.ImageShape is null)
            throw new ArgumentException($"VaeOptions.Score: {score} smooths over pixel neighbourhoods and needs images (VaeOptions.ImageShape, " +
                $"--image-shape; IDX files set it)", nameof(VaeOptions.Score));
        var (hidden, latent, batch) = Defaults(layout.Features, WantsConvolutions(options), rows);
        if (options.ImageShape is { } image && image.Aggregate(1L, (a, b) => a * b) != layout.Features)
            throw new ArgumentException($"VaeOptions.ImageShape: images of {string.Join("x", image)} hold {image.Aggregate(1L, (a,
                b) => a * b)} values, but the rows have {layout.Features} features", nameof(VaeOptions.ImageShape));
        var resolved = options with
        {
            EncoderHidden = options.EncoderHidden ?? (WantsConvolutions(options) ? ConvHidden(options) : hidden),
            LatentSize = options.LatentSize ?? latent,
            BatchSize = options.BatchSize ?? batch,
            ConvChannels = WantsConvolutions(options) ? options.ConvChannels ?? DefaultConvChannels : options.ConvChannels,
            Score = options.Score ?? DefaultScore(WantsConvolutions(options)),
            // The estimator draws a seed from the MLContext before this; the library's own tools (the CLI) default to 1.
            Seed = options.Seed ?? 1,
        };
        var spec = new VaeSpec(resolved, layout);
        spec.CheckFitsInMemory();
        return spec;
    }

    /// <summary>
    /// The score a user who sets none gets, the best of the one-class benchmarks (src/MlNetVae/Graph/SCORES.md): on
    /// tables the corrected -ELBO, which needs no fitted statistics; on images, where a convolutional decoder also
    /// reconstructs much of what it never saw, the structural multiscale sum: how far off the reconstruction is at the
    /// scale of parts (each pixel's error in units of its usual error), in its local pattern (SSIM) and, a little, at the
    /// scale of pixels (thin strokes), plus how unusual the code is.
    /// </summary>
    internal static AnomalyScore DefaultScore(bool convolutional) => convolutional ? AnomalyScore.StructuralMultiscaleSum : AnomalyScore.CorrectedNegElbo;

    /// <summary>
    /// Image models' dense layers between the convolutions and the latent: one of <see cref="ImageHiddenWidth"/> when the
    /// convolutions end in more values than that (28x28 images: 3,136), none otherwise (sklearn's 8x8 digits: 256). With
    /// the structural score it puts every Fashion-MNIST class above Isolation Forest on two seeds (sandals 0.9322 and
    /// 0.9333 against 0.9304; the mean 0.9456 and 0.9455) at the same anomaly map; on the 8x8 digits it cost 0.006-0.007,
    /// so small images keep none (src/MlNetVae/Graph/SCORES.md).
    /// </summary>
    private static int[] ConvHidden(VaeOptions options)
    {
        var last = EncoderConvolutions(ImageOf(options.ImageShape)!.Value, options.ConvChannels ?? DefaultConvChannels, options.ConvKernel).Last();
        return last.OutFeatures > ImageHiddenWidth ? [ImageHiddenWidth] : [];
    }

    /// <summary>
    /// The encoder's convolutions of <paramref name="image"/>, one per entry of <paramref name="channels"/>, each of
    /// kernel <paramref name="kernel"/>, stride 2 and the padding that halves the image (rounding up).
    /// </summary>
    private static IEnumerable<ConvGeometry> EncoderConvolutions((int C, int H, int W) image, IEnumerable<int> channels, int kernel)
    {
        var (c, h, w) = image;
        foreach (int outChannels in channels)
        {
            var g = ConvGeometry.Conv2d(c, h, w, outChannels, kernel, kernel, stride: 2, padding: (kernel - 1) / 2);
            yield return g;
            (c, h, w) = (outChannels, g.OutHeight, g.OutWidth);
        }
    }

    /// <summary>The width of an image model's dense hidden layer, when it gets one (<see cref="ConvHidden"/>).</summary>
    private const int ImageHiddenWidth = 256;

    /// <summary>
    /// What a user who sets nothing gets: for images two stride-2 convolutions into an 8-dimensional latent (the one-class
    /// benchmark's best, Graph/SCORES.md; <see cref="ConvHidden"/> adds the dense layer large images get), batch from
    /// <see cref="ImageBatch"/>; for other wide inputs the reference VAE (400 hidden, 20 latent, batch 128); for tables a
    /// smaller two-layer network and batch 32 (README "Defaults").
    /// </summary>
    internal static (int[] Hidden, int Latent, int Batch) Defaults(int features, bool convolutional, int rows = 0)
    {
        if (convolutional) return ([], 8, ImageBatch(rows));
        if (features >= 256) return ([400], 20, 128);
        int first = (int)Math.Clamp(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(2 * features)), 32, 256);
        return ([first, first / 2], Math.Clamp((features + 3) / 4, 2, 16), 32);
    }

    /// <summary>A fresh model's state dict: PyTorch's default Linear init drawn from <paramref name="seed"/>, and the fitted standardization.</summary>
    internal StateDict Initialize(FeatureStatistics statistics, int seed)
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
        if (nonPositive >= 0) throw new ArgumentException($"tensor '{InputScale}' holds the non-positive scale {state[InputScale].Data[nonPositive]} " +
            $"at {nonPositive}");
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
            list.Add(new(layer.Weight, layer.WeightShape, TensorRole.Parameter, layer.FanIn));
            list.Add(new(layer.Bias, [layer is ConvLayer c ? c.Geometry.OutChannels : layer.Out], TensorRole.Parameter, layer.FanIn));
        }
        var role = Options.LearnGaussianVariance ? TensorRole.Parameter : TensorRole.Buffer;
        for (int i = 0; i < Layout.Blocks.Count; i++)
            if (Layout.Blocks[i].Kind == FeatureKind.Gaussian)
                list.Add(new(LogVarianceNames[i], [Layout.Blocks[i].Length], role, 0, Options.GaussianLogVariance));
        return list;
    }

    /// <summary>
    /// The image models' default batch: 128, or for fewer than 5,120 training rows the largest power of two that still
    /// gives an epoch 40 steps, at least 8. Forty epochs of 6,000 Fashion-MNIST images take 1,880 Adam steps; of 690
    /// images at batch 128 only 240, of sklearn's 108 training digits 40, and those models stop far from trained (the
    /// digits' mean AUROC 0.95 against 0.99 with batch 8; Graph/SCORES.md). A smaller batch gives the same number of
    /// steps an epoch as a large set gets, at the same cost per row. 0 rows (unknown) gives 128.
    /// </summary>
    internal static int ImageBatch(int rows) =>
        rows <= 0 ? 128 : Math.Clamp((int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(rows / 40 + 1)) / 2, 8, 128);

    /// <summary>The channels of the encoder's convolutions a user who sets nothing gets (README "Defaults").</summary>
    internal static readonly int[] DefaultConvChannels = [32, 64];

    internal static bool WantsConvolutions(VaeOptions o) =>
        o.Architecture == Architecture.Conv || o.Architecture == Architecture.Auto && o.ImageShape is not null;

    /// <summary>Linear layers named as nn.Sequential numbers them (activations take the odd indices), from index <paramref name="first"/>.</summary>
    private static List<Layer> Dense(string prefix, int first, int[] sizes) =>
        Enumerable.Range(0, sizes.Length - 1).Select(i => (Layer)new DenseLayer($"{prefix}.{first + 2 * i}.weight", $"{prefix}.{first + 2 * i}.bias",
            sizes[i], sizes[i + 1])).ToList();

    /// <summary>
    /// Image models: stride-2 convolutions (padding (kernel - 1) / 2) each halving the image, then dense layers to the
    /// [mean | log-variance] head; the decoder mirrors it: dense layers up to the last convolution's output, then transposed
    /// convolutions whose output padding brings each image back to exactly the size the encoder's matching layer read.
    /// </summary>
    private (List<Layer> Encoder, List<Layer> Decoder) ConvLayers(VaeOptions o)
    {
        var image = Image!.Value;
        int k = o.ConvKernel, pad = (k - 1) / 2;
        var encoder = new List<Layer>();
        var shapes = new List<(int C, int H, int W)> { image };
        foreach (var g in EncoderConvolutions(image, o.ConvChannels!, k))
        {
            encoder.Add(new ConvLayer($"encoder.{2 * encoder.Count}.weight", $"encoder.{2 * encoder.Count}.bias", g));
            shapes.Add((g.OutChannels, g.OutHeight, g.OutWidth));
        }
        int flat = shapes[^1].C * shapes[^1].H * shapes[^1].W;
        encoder.AddRange(Dense("encoder", 2 * encoder.Count, [flat, .. EncoderHidden, 2 * LatentSize]));
        var decoder = Dense("decoder", 0, [LatentSize, .. DecoderHidden, flat]);
        for (int i = shapes.Count - 1; i >= 1; i--)
        {
            var (ic, ih, iw) = shapes[i];
            var (oc, oh, ow) = shapes[i - 1];
            var g = ConvGeometry.ConvTranspose2d(ic, ih, iw, oc, k, k, stride: 2, padding: pad,
                outputPadding: oh - ((ih - 1) * 2 - 2 * pad + k), outputPaddingWidth: ow - ((iw - 1) * 2 - 2 * pad + k));
            if (g.OutHeight != oh || g.OutWidth != ow)
                throw new ArgumentException($"VaeOptions.ConvKernel: a transposed convolution cannot bring {ih}x{iw} back to {oh}x{ow} with kernel " +
                    $"{k}", nameof(VaeOptions.ConvKernel));
            decoder.Add(new ConvLayer($"decoder.{2 * decoder.Count}.weight", $"decoder.{2 * decoder.Count}.bias", g));
        }
        return (encoder, decoder);
    }

    /// <summary>
    /// Refuses a model whose training state (values, gradients and two Adam moments per parameter) plus one batch's
    /// activations would not fit in half of the memory this process may use: absurd widths fail here, at once, with
    /// the option named, instead of after minutes and gigabytes.
    /// </summary>
    private void CheckFitsInMemory()
    {
        long parameters = Tensors.Sum(t => (long)t.Length);
        long widths = Features * 6L + Encoder.Concat(Decoder).Sum(l => (long)l.Out) * 4 + LatentSize * 12L;
        long bytes = 4 * (4 * parameters + BatchSize * widths);
        long budget = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;
        if (bytes > budget)
            throw new ArgumentException(
                $"VaeOptions: a {Features}-{string.Join("-", EncoderHidden)}-{LatentSize} model with batch {BatchSize} needs about {bytes >> 20} MB to " +
                    $"train, more than half of the {budget >> 19} MB available; use smaller widths (--hidden, --latent) or a smaller --batch",
                parameters * 16 > budget ? nameof(VaeOptions.EncoderHidden) : nameof(VaeOptions.BatchSize));
    }
}
