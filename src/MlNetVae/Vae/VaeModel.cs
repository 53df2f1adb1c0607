using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Nn;
using MlNetVae.Engine.Randomness;

namespace MlNetVae.Vae;

/// <summary>
/// A VAE's networks and parameters: encoder q(z|x) = N(mu, diag(exp(logVar))), decoder p(x|z), and the
/// preprocessing fitted on the training rows. Parameter names follow PyTorch's nn.Sequential
/// (<c>encoder.0.weight</c>, ...) so ONNX initializers and PyTorch state dicts map one to one.
/// </summary>
public sealed partial class VaeModel
{
    /// <summary>Creates a model with freshly initialized weights (seeded by <see cref="VaeOptions.Seed"/>).</summary>
    public VaeModel(VaeOptions options, Preprocessor preprocessor)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(preprocessor);
        options.Validate();
        Options = options;
        Preprocessor = preprocessor;
        var rng = new Rng((ulong)options.Seed);
        int d = preprocessor.Features, k = options.LatentSize;
        // The encoder's last layer emits [mu | logVar] in one product instead of two heads of width K.
        Encoder = Sequential.Mlp(Parameters, "encoder", [d, .. options.EncoderHidden, 2 * k], options.Activation, rng);
        Decoder = Sequential.Mlp(Parameters, "decoder", [k, .. options.ResolvedDecoderHidden, d], options.Activation, rng);
        // One log-variance per Gaussian feature (standardized units), shared by every row: a parameter when
        // learned, a constant otherwise. One tensor per Gaussian segment, so each lines up with its columns.
        var segments = preprocessor.Segments;
        GaussianLogVar = new Node?[segments.Length];
        for (int i = 0; i < segments.Length; i++)
        {
            if (segments[i].Kind != ColumnKind.Gaussian) continue;
            Node logVar = options.LearnGaussianVariance
                ? Parameters.Add($"likelihood.{segments[i].Start}.log_var", segments[i].Length)
                : new ConstantNode(new Tensor(segments[i].Length));
            logVar.Value.Span.Fill(options.GaussianLogVariance);
            GaussianLogVar[i] = logVar;
        }
    }

    /// <summary>The options the model was built with.</summary>
    public VaeOptions Options { get; }

    /// <summary>Column kinds and standardization fitted on the training rows.</summary>
    public Preprocessor Preprocessor { get; }

    /// <summary>Every trainable value, in one flat buffer.</summary>
    public ParameterStore Parameters { get; } = new();

    /// <summary>Input width D.</summary>
    public int Features => Preprocessor.Features;

    /// <summary>Latent width K.</summary>
    public int LatentSize => Options.LatentSize;

    internal Sequential Encoder { get; }
    internal Sequential Decoder { get; }

    /// <summary>Per segment of <see cref="Preprocessor.Segments"/>: the Gaussian log-variance [length], or null.</summary>
    internal Node?[] GaussianLogVar { get; }

    /// <summary>Records q(z|x): mean and clamped log-variance, each (rows, K), from x in model units (rows, D).</summary>
    internal (Node Mean, Node LogVar) RecordEncoder(Tape tape, Node x)
    {
        var stats = Encoder.Forward(tape, x); // (rows, 2K)
        int k = LatentSize;
        var mean = tape.Slice(stats, 0, k);
        var logVar = tape.Clamp(tape.Slice(stats, k, k), -Options.LogVarClamp, Options.LogVarClamp);
        return (mean, logVar);
    }

    /// <summary>Records z = mean + exp(logVar / 2) * eps, the reparameterization; eps is (rows, K) of N(0, 1) noise.</summary>
    internal static Node RecordSample(Tape tape, Node mean, Node logVar, Node eps) =>
        tape.Add(mean, tape.Mul(tape.Exp(tape.Scale(logVar, 0.5f)), eps));

    /// <summary>Records the decoder's raw output (rows, D): logits, Gaussian means or category logits, per column.</summary>
    internal Node RecordDecoder(Tape tape, Node z) => Decoder.Forward(tape, z);
}
