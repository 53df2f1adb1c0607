using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Randomness;

namespace MlNetVae.Vae;

/// <summary>
/// Evaluates the per-row negative ELBO of many rows in chunks, forward only. Not thread-safe: one per thread.
/// </summary>
internal sealed class ElboEvaluator
{
    private const int ChunkRows = VaeModel.ChunkRows;
    private readonly VaeModel _model;
    private readonly Tape _tape;
    private Tensor _x = new(1, 1), _eps = new(1, 1);

    public ElboEvaluator(VaeModel model, Compute compute)
    {
        _model = model;
        _tape = new Tape(compute);
    }

    /// <summary>
    /// For each of the <paramref name="count"/> rows of <paramref name="rows"/> (model units, row-major, D wide),
    /// writes -E_q[log p(x|z)] (averaged over <paramref name="samples"/> draws of z, or at z = mean when
    /// samples is 0) and the closed-form KL. <paramref name="contributions"/>, when given ((count, D)),
    /// receives the per-feature -log p(x|z) of the last draw.
    /// </summary>
    public void Evaluate(ReadOnlySpan<float> rows, int count, int samples, Rng? rng, Span<double> reconstruction, Span<double> kl, Tensor? contributions = null)
    {
        int d = _model.Features, k = _model.LatentSize;
        if (samples > 0 && rng is null) throw new ArgumentException("sampling needs a random generator");
        var elements = contributions is null ? null : new Node[_model.Preprocessor.Segments.Length];
        var part = contributions is null ? null : new Tensor(ChunkRows, d);
        for (int start = 0; start < count; start += ChunkRows)
        {
            int n = Math.Min(ChunkRows, count - start);
            _x = Tensor.Resize(_x, [n, d]);
            _eps = Tensor.Resize(_eps, [n, k]);
            rows.Slice(start * d, n * d).CopyTo(_x.Span);
            reconstruction.Slice(start, n).Clear();
            int draws = Math.Max(1, samples);
            for (int s = 0; s < draws; s++)
            {
                if (samples == 0) _eps.Clear();
                else rng!.FillNormal(_eps.Span);
                _tape.Reset();
                var e = Elbo.Record(_tape, _model, _tape.Input(_x), _tape.Input(_eps), 1f, 0f, elements);
                var r = e.Reconstruction.Value.Span;
                for (int i = 0; i < n; i++) reconstruction[start + i] += r[i] / draws;
                if (s == 0)
                {
                    var klRows = e.Kl.Value.Span;
                    for (int i = 0; i < n; i++) kl[start + i] = klRows[i];
                }
            }
            if (contributions is not null)
            {
                part = Tensor.Resize(part, [n, d]);
                Likelihood.Contributions(_model.Preprocessor.Segments, elements!, _x, part);
                part.Span.CopyTo(contributions.Span.Slice(start * d, n * d));
            }
        }
    }
}
