using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using MlNetVae.Engine.Randomness;

namespace MlNetVae.Vae;

public sealed partial class VaeModel
{
    /// <summary>Rows per forward pass when many rows are encoded, decoded or scored; every evaluator uses it, so
    /// chunked results agree to the bit.</summary>
    internal const int ChunkRows = 512;

    /// <summary>Where inference kernels run; training uses <see cref="VaeOptions.Threads"/> separately.</summary>
    public Compute Compute { get; init; } = Compute.Default;

    /// <summary>The posterior q(z|x) of each row (raw units): means and log-variances, each [rows][K].</summary>
    public (float[][] Mean, float[][] LogVar) Encode(IReadOnlyList<float[]> rows)
    {
        var x = ToModelUnits(rows);
        var mean = NewRows(rows.Count, LatentSize);
        var logVar = NewRows(rows.Count, LatentSize);
        var tape = new Tape(Compute);
        ForEachChunk(x, rows.Count, (input, start, n) =>
        {
            tape.Reset();
            var (m, lv) = RecordEncoder(tape, tape.Input(input));
            CopyRows(m.Value, mean, start);
            CopyRows(lv.Value, logVar, start);
        });
        return (mean, logVar);
    }

    /// <summary>One draw z ~ q(z|x) per row, [rows][K].</summary>
    public float[][] SampleLatent(IReadOnlyList<float[]> rows, int seed)
    {
        var (mean, logVar) = Encode(rows);
        var rng = new Rng((ulong)seed);
        var eps = new float[LatentSize];
        for (int r = 0; r < mean.Length; r++)
        {
            rng.FillNormal(eps);
            for (int j = 0; j < eps.Length; j++) mean[r][j] += MathF.Exp(0.5f * logVar[r][j]) * eps[j];
        }
        return mean;
    }

    /// <summary>The likelihood's mean of p(x|z) for each latent row, in raw feature units, [rows][D].</summary>
    public float[][] Decode(IReadOnlyList<float[]> latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        var z = new Tensor(Math.Max(1, latents.Count), LatentSize);
        for (int r = 0; r < latents.Count; r++)
        {
            if (latents[r].Length != LatentSize) throw new ArgumentException($"latent row {r} has {latents[r].Length} values, expected {LatentSize}");
            latents[r].CopyTo(z.Row(r));
        }
        return DecodeModelUnits(z, latents.Count);
    }

    /// <summary>Each row decoded from its posterior mean, in raw units, [rows][D].</summary>
    public float[][] Reconstruct(IReadOnlyList<float[]> rows) => Decode(Encode(rows).Mean);

    /// <summary><paramref name="count"/> new rows decoded from z ~ N(0, I), in raw units.</summary>
    public float[][] Generate(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var z = new Tensor(Math.Max(1, count), LatentSize);
        new Rng((ulong)seed).FillNormal(z.Span);
        return DecodeModelUnits(z, count);
    }

    /// <summary>Rows decoded along the straight line between the posterior means of two rows, both ends included.</summary>
    public float[][] Interpolate(float[] from, float[] to, int steps)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "need at least 2 steps (the two ends)");
        var mean = Encode([from, to]).Mean;
        var path = new float[steps][];
        for (int s = 0; s < steps; s++)
        {
            float t = s / (float)(steps - 1);
            path[s] = mean[0].Zip(mean[1], (a, b) => a + t * (b - a)).ToArray();
        }
        return Decode(path);
    }

    /// <summary>Raw rows to model units, flat (rows, D); names the row and column of a wrong width or a non-finite value.</summary>
    internal float[] ToModelUnits(IReadOnlyList<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return ToModelUnits(rows, Enumerable.Range(0, rows.Count).ToArray());
    }

    /// <summary>The rows picked by <paramref name="which"/>, in that order, in model units; errors name the row's index in <paramref name="rows"/>.</summary>
    internal float[] ToModelUnits(IReadOnlyList<float[]> rows, ReadOnlySpan<int> which)
    {
        int d = Features;
        var flat = new float[which.Length * d];
        for (int i = 0; i < which.Length; i++)
        {
            int r = which[i];
            var row = rows[r] ?? throw new ArgumentException($"row {r} is null");
            if (row.Length != d) throw new ArgumentException($"row {r} has {row.Length} values, the model expects {d}");
            for (int c = 0; c < d; c++)
                if (!float.IsFinite(row[c])) throw new ArgumentException($"row {r}, column {c}: {row[c]} is not a finite number");
            Preprocessor.Transform(row, flat.AsSpan(i * d, d));
        }
        return flat;
    }

    private float[][] DecodeModelUnits(Tensor z, int count)
    {
        var result = NewRows(count, Features);
        var tape = new Tape(Compute);
        var chunk = new Tensor(1, LatentSize);
        for (int start = 0; start < count; start += ChunkRows)
        {
            int n = Math.Min(ChunkRows, count - start);
            chunk = Tensor.Resize(chunk, [n, LatentSize]);
            z.Span.Slice(start * LatentSize, n * LatentSize).CopyTo(chunk.Span);
            tape.Reset();
            var output = RecordDecoder(tape, tape.Input(chunk)).Value;
            Likelihood.MeanInPlace(Preprocessor.Segments, output);
            for (int i = 0; i < n; i++) Preprocessor.InverseTransform(output.Row(i), result[start + i]);
        }
        return result;
    }

    /// <summary>Calls <paramref name="body"/> with chunks of the flat model-unit rows as (chunk tensor, first row, row count).</summary>
    internal void ForEachChunk(float[] x, int count, Action<Tensor, int, int> body)
    {
        var chunk = new Tensor(1, Features);
        for (int start = 0; start < count; start += ChunkRows)
        {
            int n = Math.Min(ChunkRows, count - start);
            chunk = Tensor.Resize(chunk, [n, Features]);
            x.AsSpan(start * Features, n * Features).CopyTo(chunk.Span);
            body(chunk, start, n);
        }
    }

    private static void CopyRows(Tensor source, float[][] destination, int start)
    {
        for (int i = 0; i < source.Rows; i++) source.Row(i).CopyTo(destination[start + i]);
    }

    private static float[][] NewRows(int count, int width)
    {
        var rows = new float[count][];
        for (int i = 0; i < count; i++) rows[i] = new float[width];
        return rows;
    }
}
