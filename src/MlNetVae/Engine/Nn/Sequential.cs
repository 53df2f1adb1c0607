using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Randomness;

namespace MlNetVae.Engine.Nn;

/// <summary>Modules applied one after the other.</summary>
public sealed class Sequential(IReadOnlyList<IModule> layers) : IModule
{
    /// <summary>The modules, first applied first.</summary>
    public IReadOnlyList<IModule> Layers { get; } = layers ?? throw new ArgumentNullException(nameof(layers));

    /// <inheritdoc/>
    public Node Forward(Tape tape, Node x)
    {
        for (int i = 0; i < Layers.Count; i++) x = Layers[i].Forward(tape, x);
        return x;
    }

    /// <summary>
    /// A multilayer perceptron: Linear layers of the given widths (<paramref name="sizes"/>[0] is the input)
    /// with <paramref name="activation"/> between them and none after the last. Parameters are named
    /// <c>{name}.{i}.weight</c> / <c>.bias</c> with i counting layers as PyTorch's nn.Sequential does.
    /// </summary>
    public static Sequential Mlp(ParameterStore store, string name, IReadOnlyList<int> sizes, Activation activation, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count < 2) throw new ArgumentException("an MLP needs an input and an output size", nameof(sizes));
        var layers = new List<IModule>();
        for (int i = 0; i + 1 < sizes.Count; i++)
        {
            if (i > 0) layers.Add(new ActivationLayer(activation));
            layers.Add(new Linear(store, $"{name}.{layers.Count}", sizes[i], sizes[i + 1], rng));
        }
        return new Sequential(layers);
    }
}
