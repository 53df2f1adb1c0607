using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Graph;

namespace MlNetVae.Inference;

/// <summary>
/// Runs a model's formulas forward on the managed engine over many rows, in chunks, with buffers reused from
/// chunk to chunk: the one evaluation loop behind scoring, encoding, decoding, IWAE and the fitted statistics.
/// Not thread-safe: one per thread (they share the model's tensors read-only).
/// </summary>
internal sealed class ManagedRunner
{
    private readonly Tape _tape;
    private Tensor _input = new(1, 1), _noise = new(1, 1);

    /// <summary>Prepares to run <paramref name="model"/> on <paramref name="compute"/>.</summary>
    public ManagedRunner(VaeModelParameters model, Compute compute)
    {
        Model = model;
        _tape = new Tape(compute);
        Ops = new TapeOps(_tape, new EngineWeights(model.Spec, model.SharedState, trainable: false, model.SharedStatistics));
    }

    /// <summary>The model run.</summary>
    public VaeModelParameters Model { get; }

    /// <summary>The primitives, recording on this runner's tape.</summary>
    public TapeOps Ops { get; }

    /// <summary>
    /// For each chunk of <paramref name="rows"/> rows of <paramref name="width"/> values in <paramref name="input"/>:
    /// resets the tape, records <paramref name="record"/> on the chunk (and, when <paramref name="noiseWidth"/> &gt; 0,
    /// a noise input of that width the caller fills through <paramref name="fillNoise"/>), and hands the recorded
    /// outputs to <paramref name="consume"/> with the chunk's first row and row count.
    /// </summary>
    public void ForEachChunk(ReadOnlySpan<float> input, int rows, int width, Func<TapeOps, Node, Node?, Node[]> record,
        Action<int, int, Node[]> consume, int noiseWidth = 0, Action<Tensor>? fillNoise = null)
    {
        for (int start = 0; start < rows; start += ForwardPass.ChunkRows)
        {
            int n = Math.Min(ForwardPass.ChunkRows, rows - start);
            _input = Tensor.Resize(_input, [n, width]);
            input.Slice(start * width, n * width).CopyTo(_input.Span);
            Node? noise = null;
            _tape.Reset();
            if (noiseWidth > 0)
            {
                _noise = Tensor.Resize(_noise, [n, noiseWidth]);
                fillNoise!(_noise);
                noise = _tape.Input(_noise);
            }
            consume(start, n, record(Ops, _tape.Input(_input), noise));
        }
    }

    /// <summary>
    /// The wanted outputs (<paramref name="destination"/>'s) of raw rows [rows, D], written row-major into their buffers;
    /// <paramref name="score"/> is the anomaly score of the outputs that read one.
    /// </summary>
    public void Score(ReadOnlySpan<float> raw, int rows, AnomalyScore? score, ScorerBuffers destination)
    {
        var wanted = destination.Computed;
        ForEachChunk(raw, rows, Model.Features,
            (o, x, _) =>
            {
                var pass = new ForwardPass<Node>(o, Model.Spec, x);
                return wanted.Select(output => output.Record(o, Model.Spec, pass, score)).ToArray();
            },
            (start, n, outputs) =>
            {
                for (int i = 0; i < wanted.Count; i++)
                {
                    int width = outputs[i].Value.Cols;
                    outputs[i].Value.Span.CopyTo(destination.For(wanted[i]).AsSpan(start * width, n * width));
                }
            });
    }
}

/// <summary>
/// Destinations of a scoring pass: one flat array per wanted output, sized for the rows scored. A flag output reads
/// the score's buffer (it compares the score with the threshold), so the score is computed once for both.
/// </summary>
internal sealed class ScorerBuffers
{
    private readonly Dictionary<VaeOutput, float[]> _buffers = [];

    /// <summary>Buffers for the <paramref name="wanted"/> outputs of <paramref name="rows"/> rows of <paramref name="model"/>.</summary>
    public ScorerBuffers(VaeModelParameters model, int rows, IEnumerable<VaeOutput> wanted)
    {
        Rows = rows;
        Wanted = wanted.Distinct().ToArray();
        Computed = Wanted.Select(Source).Distinct().ToArray();
        foreach (var output in Computed) _buffers[output] = new float[rows * output.Width(model.Spec)];
    }

    /// <summary>The rows the buffers hold.</summary>
    public int Rows { get; }

    /// <summary>The outputs asked for.</summary>
    public IReadOnlyList<VaeOutput> Wanted { get; }

    /// <summary>The outputs computed for them (a flag's score instead of the flag).</summary>
    public IReadOnlyList<VaeOutput> Computed { get; }

    /// <summary>The values of one output ([rows, width] row-major; a flag's are its score's).</summary>
    public float[] For(VaeOutput output) => _buffers[Source(output)];

    private static VaeOutput Source(VaeOutput output) => output.Kind == OutputKind.Flag ? VaeOutput.Score : output;
}
