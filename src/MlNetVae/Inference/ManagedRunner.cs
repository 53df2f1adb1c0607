using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Graph;
using MlNetVae.Scores;
using MlNetVae.Spec;

namespace MlNetVae.Inference;

/// <summary>
/// Runs a model's formulas forward on the managed engine over many rows, in chunks, with buffers reused from
/// chunk to chunk: the one evaluation loop behind scoring, encoding, decoding, IWAE and the fitted statistics.
/// Not thread-safe: one per thread (they share the model's tensors read-only).
/// </summary>
internal sealed class ManagedRunner
{
    /// <summary>Rows per forward pass. Every caller uses it, so chunked results agree to the bit.</summary>
    public const int ChunkRows = 512;

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
        for (int start = 0; start < rows; start += ChunkRows)
        {
            int n = Math.Min(ChunkRows, rows - start);
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
    /// The scorer's outputs for raw rows [rows, D], written to the given destinations (row-major; null for outputs not
    /// wanted): score and neg_elbo [rows], latent mean and log-variance [rows, K], reconstruction [rows, D].
    /// </summary>
    public void Score(ReadOnlySpan<float> raw, int rows, AnomalyScore score, ScorerBuffers destination)
    {
        var wanted = destination.Wanted;
        var order = Enum.GetValues<ScorerOutputs>().Where(f => f != ScorerOutputs.None && wanted.HasFlag(f)).ToArray();
        ForEachChunk(raw, rows, Model.Features,
            (o, x, _) => { var r = ScorerGraph.Record(o, Model.Spec, x, wanted, score); return order.Select(f => r[f]).ToArray(); },
            (start, n, outputs) =>
            {
                for (int i = 0; i < order.Length; i++)
                {
                    var target = destination.For(order[i]);
                    int width = outputs[i].Value.Cols;
                    outputs[i].Value.Span.CopyTo(target.AsSpan(start * width, n * width));
                }
            });
    }
}

/// <summary>Destinations of a scoring pass: one flat array per wanted output, sized for the rows scored.</summary>
internal sealed class ScorerBuffers
{
    private readonly Dictionary<ScorerOutputs, float[]> _buffers = [];

    /// <summary>Buffers for <paramref name="wanted"/> outputs of <paramref name="rows"/> rows of <paramref name="model"/>.</summary>
    public ScorerBuffers(VaeModelParameters model, int rows, ScorerOutputs wanted)
    {
        Wanted = wanted;
        Rows = rows;
        foreach (var f in Enum.GetValues<ScorerOutputs>())
        {
            if (f == ScorerOutputs.None || !wanted.HasFlag(f)) continue;
            int width = f switch
            {
                ScorerOutputs.LatentMean or ScorerOutputs.LatentLogVar => model.LatentSize,
                ScorerOutputs.Reconstruction => model.Features,
                _ => 1,
            };
            _buffers[f] = new float[rows * width];
        }
    }

    /// <summary>The rows the buffers hold.</summary>
    public int Rows { get; }

    /// <summary>The outputs these buffers receive.</summary>
    public ScorerOutputs Wanted { get; }

    /// <summary>The buffer of one output.</summary>
    public float[] For(ScorerOutputs output) => _buffers[output];
}
