namespace MlNetVae;

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
