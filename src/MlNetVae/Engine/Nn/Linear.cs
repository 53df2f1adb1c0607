using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Randomness;

namespace MlNetVae.Engine.Nn;

/// <summary>
/// y = x W^T + b, with PyTorch's layout (W is [out, in]) and PyTorch's default initialization
/// (W and b uniform in ±1/sqrt(in), what kaiming_uniform with a = sqrt(5) reduces to), so weights move
/// between the two unchanged and ONNX's Gemm(transB = 1) takes them as they are.
/// </summary>
public sealed class Linear : IModule
{
    /// <summary>Registers the weight (<c>{name}.weight</c>) and bias (<c>{name}.bias</c>) in <paramref name="store"/> and initializes them.</summary>
    public Linear(ParameterStore store, string name, int inFeatures, int outFeatures, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = store.Add($"{name}.weight", outFeatures, inFeatures); // (out, in)
        Bias = store.Add($"{name}.bias", outFeatures);                 // (out)
        float bound = 1f / MathF.Sqrt(inFeatures);
        rng.FillUniform(Weight.Value.Span, -bound, bound);
        rng.FillUniform(Bias.Value.Span, -bound, bound);
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight, [out, in].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias, [out].</summary>
    public Parameter Bias { get; }

    /// <inheritdoc/>
    public Node Forward(Tape tape, Node x) => tape.AddBias(tape.MatMul(x, Weight, transposeB: true), Bias); // (rows, out)
}
