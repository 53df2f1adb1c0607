using MlNetVae.Engine.Autodiff;

namespace MlNetVae.Engine.Nn;

/// <summary>The hidden-layer nonlinearities the engine offers.</summary>
public enum Activation
{
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>x for x &gt; 0, 0.01 x otherwise.</summary>
    LeakyRelu,
    /// <summary>x for x &gt; 0, exp(x) - 1 otherwise.</summary>
    Elu,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
    /// <summary>Logistic sigmoid.</summary>
    Sigmoid,
}

/// <summary>An activation as a parameter-free module.</summary>
public sealed class ActivationLayer(Activation activation) : IModule
{
    /// <summary>The nonlinearity applied.</summary>
    public Activation Activation { get; } = activation;

    /// <inheritdoc/>
    public Node Forward(Tape tape, Node x) => Activation switch
    {
        Activation.Relu => tape.Relu(x),
        Activation.LeakyRelu => tape.LeakyRelu(x, 0.01f),
        Activation.Elu => tape.Elu(x, 1f),
        Activation.Tanh => tape.Tanh(x),
        Activation.Sigmoid => tape.Sigmoid(x),
        _ => throw new ArgumentOutOfRangeException(nameof(Activation), Activation, "unknown activation"),
    };
}
