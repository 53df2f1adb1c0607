namespace MlNetVae.Engine.Autodiff;

/// <summary>
/// Records the operations of one forward pass, in order, and runs them backwards.
/// </summary>
/// <remarks>
/// The order of recording is a topological order, so <see cref="Backward(Node)"/> is one reverse loop. After
/// <see cref="Reset"/>, the next pass reuses the node objects and buffers recorded at the same positions
/// when the op is the same: a training loop that records the same graph every step allocates nothing.
/// Each op is a <c>partial</c> method of this class beside its node type in Ops/ (one file per group of related
/// ops), so every derivative rule is written exactly once.
/// </remarks>
internal sealed partial class Tape
{
    private readonly List<Node> _nodes = [];
    private int _count;

    /// <summary>Creates a tape whose kernels run on <paramref name="compute"/> (default: all cores).</summary>
    public Tape(Compute? compute = null) => Compute = compute ?? Compute.Default;

    /// <summary>Where this tape's kernels run.</summary>
    public Compute Compute { get; }

    /// <summary>Number of nodes recorded since the last <see cref="Reset"/>.</summary>
    public int Count => _count;

    /// <summary>The node recorded at <paramref name="position"/> since the last <see cref="Reset"/>.</summary>
    internal Node this[int position] => position < _count ? _nodes[position] : throw new ArgumentOutOfRangeException(nameof(position));

    /// <summary>When set, the tape stamps the time of every op it records and differentiates (the benchmarks' per-op profile); null costs one check
    /// per node.</summary>
    internal TapeTimings? Timings { get; set; }

    /// <summary>Starts a new pass; nodes and buffers of the previous pass are recycled.</summary>
    public void Reset() => _count = 0;

    /// <summary>Records a data leaf (no gradient). The tensor is used as is, not copied.</summary>
    public Node Input(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var node = Push<InputNode>();
        node.Value = value;
        return node;
    }

    /// <summary>
    /// Back-propagates from a scalar <paramref name="loss"/> recorded on this tape: every recorded node that
    /// requires a gradient gets d(loss)/d(node) in <see cref="Node.Grad"/>. Parameters accumulate (+=) into
    /// their gradient buffers, so clear those between steps.
    /// </summary>
    public void Backward(Node loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (loss.Value.Length != 1) throw new ArgumentException($"backward needs a scalar loss, got {loss.Value}");
        Backward(loss, [1f]);
    }

    /// <summary>
    /// Vector-Jacobian product: back-propagates <paramref name="outputGrad"/> (d(something)/d(output), one value
    /// per element of <paramref name="output"/>) to every recorded node and parameter. Nodes recorded after
    /// <paramref name="output"/> (diagnostics computed from the loss's parts, say) cannot contribute and are skipped.
    /// </summary>
    public void Backward(Node output, ReadOnlySpan<float> outputGrad)
    {
        ArgumentNullException.ThrowIfNull(output);
        Timings?.BackwardCalled();
        if (outputGrad.Length != output.Value.Length)
            throw new ArgumentException($"output gradient has {outputGrad.Length} values for {output.Value}");
        int last = output is Parameter ? -1 : output.Position;
        if (output is not Parameter && (last < 0 || last >= _count || _nodes[last] != output))
            throw new ArgumentException($"output {output.Value} was not recorded on this tape since its last Reset", nameof(output));
        for (int i = 0; i < _count; i++)
        {
            var node = _nodes[i];
            if (!node.RequiresGrad) continue;
            node.Grad = Tensor.Resize(node.Grad, node.Value.Shape);
            Clear(node.Grad.Span);
        }
        if (!output.RequiresGrad) return;
        var seed = output.Grad!.Span;
        for (int i = 0; i < seed.Length; i++) seed[i] += outputGrad[i];
        Timings?.BackwardStarts();
        for (int i = last; i >= 0; i--)
        {
            if (_nodes[i].RequiresGrad) _nodes[i].Backward(Compute);
            Timings?.BackwardDone(i);
        }
    }

    // Zeroes a gradient buffer, on every thread when it is large: an image model's activations make these clears
    // about 3% of a step, and one core alone does not saturate the memory bus.
    private unsafe void Clear(Span<float> buffer)
    {
        fixed (float* p = buffer)
        {
            var body = new ClearBody { Target = p };
            Compute.ForRanges(ref body, buffer.Length);
        }
    }

    private unsafe struct ClearBody : IRangeBody
    {
        public float* Target;

        public readonly void Run(int start, int length) => new Span<float>(Target + start, length).Clear();
    }

    /// <summary>The node at the next position: the previous pass's one when it is the same op, else a new one.</summary>
    internal T Push<T>() where T : Node, new()
    {
        Timings?.Recording(_count);
        if (_count < _nodes.Count && _nodes[_count] is T reused)
        {
            reused.Position = _count++;
            return reused;
        }
        var node = new T { Position = _count };
        if (_count < _nodes.Count) _nodes[_count] = node;
        else _nodes.Add(node);
        _count++;
        return node;
    }
}
