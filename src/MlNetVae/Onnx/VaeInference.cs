using MlNetVae.Engine;
using MlNetVae.Onnx.Runtime;
using MlNetVae.Scoring;
using MlNetVae.Vae;

namespace MlNetVae.Onnx;

/// <summary>Where <see cref="VaeInference"/> computes.</summary>
public enum InferenceBackend
{
    /// <summary>The managed float32 engine (the model's own code).</summary>
    Managed,
    /// <summary>ONNX Runtime, in-process, on the model's exported graphs.</summary>
    OnnxRuntime,
}

/// <summary>
/// One model's inference on either backend, with the same answers from both (to float rounding): posterior,
/// decoded means, reconstructions and the default anomaly score. ONNX Runtime sessions are created on first
/// use from graphs exported in memory. Thread-safe; dispose to release the sessions.
/// </summary>
public sealed class VaeInference : IDisposable
{
    private readonly VaeModel _model;
    private readonly Compute _compute;
    private readonly OnnxRuntimeOptions _ortOptions;
    private readonly Lazy<OnnxRuntimeSession> _encoder, _decoder, _scorer;
    // Managed scoring keeps one evaluator (tape and buffers) per thread, so a call on one row allocates nothing.
    private readonly ThreadLocal<ManagedScorer> _managed;

    /// <summary>Runs <paramref name="model"/> on <paramref name="backend"/>.</summary>
    /// <param name="model">The model; it must not be trained further while this object is in use.</param>
    /// <param name="backend">Managed engine or ONNX Runtime.</param>
    /// <param name="threads">Threads for one call (managed scoring, or ONNX Runtime's intra-op pool); 0 = all cores.</param>
    /// <param name="useCuda">ONNX Runtime only: use CUDA when its provider library is installed.</param>
    public VaeInference(VaeModel model, InferenceBackend backend = InferenceBackend.Managed, int threads = 0, bool useCuda = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!Enum.IsDefined(backend)) throw new ArgumentOutOfRangeException(nameof(backend), backend, "unknown backend");
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        _model = model;
        Backend = backend;
        _compute = new Compute(threads);
        _ortOptions = new OnnxRuntimeOptions(IntraOpThreads: threads, InterOpThreads: 1, UseCuda: useCuda);
        _encoder = Session(OnnxExport.Encoder);
        _decoder = Session(OnnxExport.Decoder);
        _scorer = Session(OnnxExport.Scorer);
        _managed = new(() => new ManagedScorer(model, _compute));
    }

    /// <summary>The backend in use.</summary>
    public InferenceBackend Backend { get; }

    /// <summary>The posterior q(z|x) of each raw row: means and clamped log-variances, each [rows][K].</summary>
    public (float[][] Mean, float[][] LogVar) Encode(IReadOnlyList<float[]> rows)
    {
        if (Backend == InferenceBackend.Managed) return _model.Encode(rows);
        var outputs = Run(_encoder.Value, OnnxNames.Features, rows, _model.Features, [OnnxNames.LatentMean, OnnxNames.LatentLogVar]);
        return (outputs[0], outputs[1]);
    }

    /// <summary>The likelihood's mean for each latent row, in raw feature units, [rows][D].</summary>
    public float[][] Decode(IReadOnlyList<float[]> latents) => Backend == InferenceBackend.Managed
        ? _model.Decode(latents)
        : Run(_decoder.Value, OnnxNames.Latent, latents, _model.LatentSize, [OnnxNames.Reconstruction])[0];

    /// <summary>Each raw row decoded from its posterior mean, in raw units, [rows][D].</summary>
    public float[][] Reconstruct(IReadOnlyList<float[]> rows) => Backend == InferenceBackend.Managed
        ? _model.Reconstruct(rows)
        : Run(_scorer.Value, OnnxNames.Features, rows, _model.Features, [OnnxNames.Reconstruction])[0];

    /// <summary>The default anomaly score of each raw row (as <c>AnomalyScorer.Score(rows)</c>; scorer.onnx's <c>score</c>), in nats.</summary>
    public double[] Score(IReadOnlyList<float[]> rows)
    {
        var flat = _model.ToModelUnits(rows); // validates widths and values, names the bad row
        var raw = new float[flat.Length];
        for (int r = 0; r < rows.Count; r++) rows[r].CopyTo(raw, r * _model.Features);
        var scores = new float[rows.Count];
        Score(raw, scores);
        return scores.Select(s => (double)s).ToArray();
    }

    /// <summary>
    /// The hot path: the default anomaly score of <c>scores.Length</c> raw rows given flat and row-major in
    /// <paramref name="rows"/> ([rows, D]), written to <paramref name="scores"/>. Values are not checked here.
    /// </summary>
    public void Score(ReadOnlySpan<float> rows, Span<float> scores)
    {
        if (rows.Length != scores.Length * _model.Features)
            throw new ArgumentException($"{rows.Length} values are not {scores.Length} rows of {_model.Features}", nameof(rows));
        if (Backend == InferenceBackend.Managed)
        {
            _managed.Value!.Score(rows, scores);
            return;
        }
        _scorer.Value.RunMatrix(OnnxNames.Features, rows, scores.Length, _model.Features, [OnnxNames.Score])[0].Data.CopyTo(scores);
    }

    /// <summary>Releases the ONNX Runtime sessions that were created.</summary>
    public void Dispose()
    {
        foreach (var session in new[] { _encoder, _decoder, _scorer })
            if (session.IsValueCreated) session.Value.Dispose();
        _managed.Dispose();
    }

    private Lazy<OnnxRuntimeSession> Session(Func<VaeModel, byte[]> export) => new(() => new OnnxRuntimeSession(export(_model), _ortOptions));

    private static float[][][] Run(OnnxRuntimeSession session, string input, IReadOnlyList<float[]> rows, int width, string[] outputs)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var flat = new float[rows.Count * width];
        for (int r = 0; r < rows.Count; r++)
        {
            if (rows[r]?.Length != width) throw new ArgumentException($"row {r} has {rows[r]?.Length ?? 0} values, expected {width}");
            rows[r].CopyTo(flat, r * width);
        }
        return session.RunMatrix(input, flat, rows.Count, width, outputs)
            .Select(t => Enumerable.Range(0, rows.Count).Select(r => t.Data.AsSpan(r * (int)t.Shape[1], (int)t.Shape[1]).ToArray()).ToArray())
            .ToArray();
    }

    /// <summary>One thread's managed scorer: raw rows to model units, then the default score's evaluator, all in reused buffers.</summary>
    private sealed class ManagedScorer(VaeModel model, Compute compute)
    {
        private readonly CorrectedNegElboEvaluator _evaluator = new(model, compute);
        private float[] _x = [];
        private double[] _scores = [];

        public void Score(ReadOnlySpan<float> rows, Span<float> scores)
        {
            int n = scores.Length, d = model.Features;
            if (_x.Length < rows.Length) _x = new float[rows.Length];
            if (_scores.Length < n) _scores = new double[n];
            for (int r = 0; r < n; r++) model.Preprocessor.Transform(rows.Slice(r * d, d), _x.AsSpan(r * d, d));
            _evaluator.Evaluate(_x.AsSpan(0, rows.Length), n, _scores);
            for (int r = 0; r < n; r++) scores[r] = (float)_scores[r];
        }
    }
}
