namespace MlNetVae;

/// <summary>
/// A trained VAE: its spec and its state dict, the two things every backend, the ONNX exporter and the model file
/// work from; plus, when fitted, the statistics of the training rows that some anomaly scores read. Immutable: the
/// tensors are copied in, and never handed out for writing.
/// </summary>
public sealed class VaeModelParameters
{
    private readonly StateDict _state;
    private readonly StateDict? _statistics;

    /// <summary>Wraps a spec and a state dict valid for it (copied).</summary>
    /// <exception cref="ArgumentException">The state dict lacks a tensor, has a wrong shape or a non-finite value.</exception>
    public VaeModelParameters(VaeSpec spec, StateDict state, StateDict? scoreStatistics = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(state);
        spec.Validate(state);
        Spec = spec;
        var own = new StateDict();
        foreach (var t in spec.Tensors) own.Set(t.Name, t.Shape, (float[])state[t.Name].Data.Clone());
        _state = own;
        _statistics = scoreStatistics?.Clone();
    }

    /// <summary>The model's shape.</summary>
    public VaeSpec Spec { get; }

    /// <summary>Input width D.</summary>
    public int Features => Spec.Features;

    /// <summary>Latent width K.</summary>
    public int LatentSize => Spec.LatentSize;

    /// <summary>A copy of the state dict (every tensor of the spec).</summary>
    public StateDict State => _state.Clone();

    /// <summary>A copy of the fitted score statistics, or null when they were not fitted.</summary>
    public StateDict? ScoreStatistics => _statistics?.Clone();

    /// <summary>The same model with fitted score statistics.</summary>
    public VaeModelParameters WithScoreStatistics(StateDict statistics) => new(Spec, _state, statistics);

    /// <summary>Read access without a copy, for the executors in this assembly.</summary>
    internal StateDict SharedState => _state;

    /// <summary>Read access without a copy, for the executors in this assembly.</summary>
    internal StateDict? SharedStatistics => _statistics;
}
