using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Optim;
using MlNetVae.Graph;
using MlNetVae.Spec;

namespace MlNetVae.Training;

/// <summary>
/// The managed engine as a training backend: the ELBO recorded on a tape through <see cref="TapeOps"/>, backpropagated,
/// and Adam over the flat parameter buffer. A steady-state step allocates nothing (the tape recycles its nodes).
/// </summary>
internal sealed class ManagedBackend : ITrainingBackend
{
    private readonly VaeSpec _spec;
    private readonly EngineWeights _weights;
    private readonly Tape _tape;
    private readonly TapeOps _ops;
    private readonly Adam _adam;
    private readonly float _freeBits;
    private Tensor _batch = new(1, 1), _noise = new(1, 1);

    public ManagedBackend(VaeSpec spec, StateDict initial, VaeOptions options)
    {
        _spec = spec;
        var compute = Compute.Shared(options.Threads);
        _weights = new EngineWeights(spec, initial, trainable: true);
        _tape = new Tape(compute);
        _ops = new TapeOps(_tape, _weights);
        _adam = new Adam(_weights.Parameters, new AdamOptions(LearningRate: options.LearningRate), compute);
        _freeBits = options.FreeBits;
    }

    /// <summary>The tape the steps are recorded on (the benchmarks' profile times its ops).</summary>
    internal Tape Tape => _tape;

    public StepResult Step(ReadOnlySpan<float> batch, ReadOnlySpan<float> noise, int rows, float klWeight, float learningRate)
    {
        _adam.LearningRate = learningRate;
        Fill(batch, noise, rows);
        _tape.Reset();
        // The parameter gradients are zero here: the last Adam step cleared them (and a skipped step never filled them).
        var e = Elbo.Record(_ops, _spec, _tape.Input(_batch), _tape.Input(_noise), klWeight, _freeBits);
        float loss = e.Loss.Value.Span[0];
        if (float.IsFinite(loss))
        {
            _tape.Backward(e.Loss);
            _adam.Step(clearGradients: true);
        }
        return new StepResult(loss, Mean(e.Reconstruction.Value.Span), Mean(e.Kl.Value.Span));
    }

    public void Evaluate(ReadOnlySpan<float> data, ReadOnlySpan<float> noise, int rows, Span<double> reconstruction, Span<double> kl)
    {
        int d = _spec.Features, k = _spec.LatentSize;
        for (int start = 0; start < rows; start += ForwardPass.ChunkRows)
        {
            int n = Math.Min(ForwardPass.ChunkRows, rows - start);
            Fill(data.Slice(start * d, n * d), noise.Slice(start * k, n * k), n);
            _tape.Reset();
            var e = Elbo.Record(_ops, _spec, _tape.Input(_batch), _tape.Input(_noise), 1f, 0f);
            var r = e.Reconstruction.Value.Span;
            var q = e.Kl.Value.Span;
            for (int i = 0; i < n; i++)
            {
                reconstruction[start + i] = r[i];
                kl[start + i] = q[i];
            }
        }
    }

    public StateDict State() => _weights.ToStateDict();

    public void Load(StateDict state) => _weights.Load(state);

    public void Dispose() { }

    private void Fill(ReadOnlySpan<float> batch, ReadOnlySpan<float> noise, int rows)
    {
        _batch = Tensor.Resize(_batch, [rows, _spec.Features]);   // (B, D)
        _noise = Tensor.Resize(_noise, [rows, _spec.LatentSize]); // (B, K)
        batch[.._batch.Length].CopyTo(_batch.Span);
        noise[.._noise.Length].CopyTo(_noise.Span);
    }

    private static double Mean(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values) sum += v;
        return sum / values.Length;
    }

    /// <summary>Creates managed backends.</summary>
    internal sealed class Factory : ITrainingBackendFactory
    {
        public string Name => "managed";

        public bool HasAccelerator => false;

        public ITrainingBackend Create(VaeSpec spec, StateDict initial, VaeOptions options) => new ManagedBackend(spec, initial, options);
    }
}
