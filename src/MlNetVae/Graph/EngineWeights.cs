using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Nn;
using MlNetVae.Spec;

namespace MlNetVae.Graph;

/// <summary>
/// A state dict as the managed engine holds it: every trainable tensor of the spec as a <see cref="Parameter"/> view
/// into one flat buffer (so Adam is one pass and zeroing gradients one clear), every other tensor as a constant.
/// For inference nothing is trainable: all tensors are constants and no gradient is ever tracked.
/// </summary>
internal sealed class EngineWeights
{
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);

    /// <summary>Puts <paramref name="state"/> (validated against <paramref name="spec"/>) into engine tensors: copies for training, views for
    /// inference.</summary>
    /// <param name="spec">The model's spec: which tensors exist and which are trained.</param>
    /// <param name="state">The values.</param>
    /// <param name="trainable">True to track gradients of the spec's parameters (training); false for inference.</param>
    /// <param name="extra">More buffers the formulas may read (fitted score statistics), or null.</param>
    public EngineWeights(VaeSpec spec, StateDict state, bool trainable, StateDict? extra = null)
    {
        spec.Validate(state);
        Spec = spec;
        foreach (var t in spec.Tensors)
        {
            var data = state[t.Name].Data;
            _nodes[t.Name] = trainable && t.Role == TensorRole.Parameter
                ? Parameters.Add(t.Name, t.Shape)
                : new ConstantNode(new Tensor(data, 0, t.Shape)); // a view: inference shares the model's arrays, read-only
        }
        if (trainable) Load(state);
        if (extra is null) return;
        foreach (var name in extra.Names)
            if (!_nodes.ContainsKey(name)) _nodes[name] = new ConstantNode(new Tensor(extra[name].Data, 0, extra[name].Shape));
    }

    /// <summary>The spec the weights belong to.</summary>
    public VaeSpec Spec { get; }

    /// <summary>The trainable tensors in one flat buffer (empty for inference).</summary>
    public ParameterStore Parameters { get; } = new();

    /// <summary>The node holding tensor <paramref name="name"/>.</summary>
    public Node this[string name] =>
        _nodes.TryGetValue(name, out var node) ? node : throw new KeyNotFoundException($"the model has no tensor '{name}'");

    /// <summary>Copies every tensor's current values out (a new state dict, safe to keep while training goes on).</summary>
    public StateDict ToStateDict()
    {
        var state = new StateDict();
        foreach (var t in Spec.Tensors) state.Set(t.Name, t.Shape, _nodes[t.Name].Value.Span.ToArray());
        return state;
    }

    /// <summary>Overwrites the trainable tensors with <paramref name="state"/>'s (restoring the best epoch, or starting from given weights).</summary>
    public void Load(StateDict state)
    {
        foreach (var p in Parameters.Parameters) state[p.Name].Data.CopyTo(p.Value.Span);
    }
}
