using System.Numerics.Tensors;
using MlNetVae.Vae;

namespace MlNetVae.Scoring;

/// <summary>
/// How far one row's reconstruction (the decoder's output at one z) is from the row, in model units, two ways:
/// the likelihood's excess over a perfect reconstruction, and the plain squared error of the likelihood's mean.
/// These are the formulas the ONNX scorer must reproduce element by element.
/// </summary>
internal static class ReconstructionTerms
{
    /// <summary>
    /// -log p(x|z) minus the smallest value it can take for this x (what a decoder reproducing x exactly pays),
    /// summed over the row; never negative. Per column:
    /// Bernoulli (logit l, target t): BCE(t, sigmoid l) - H(t) = max(l, 0) - l t + log(1 + e^-|l|) + t log t + (1 - t) log(1 - t),
    /// the KL divergence from Bernoulli(t) to Bernoulli(sigmoid l);
    /// Gaussian (mean m, learned log-variance v, standardized target t): 0.5 (t - m)^2 e^-v, the NLL without its
    /// 0.5 (log 2 pi + v) floor;
    /// categorical group (logits l, one-hot target t): log sum e^l - sum t l + sum t log t (the floor is 0 for one-hot t).
    /// </summary>
    public static double Divergence(Segment[] segments, float[]?[] gaussianLogVar, ReadOnlySpan<float> target, ReadOnlySpan<float> output)
    {
        double sum = 0;
        for (int i = 0; i < segments.Length; i++)
        {
            var s = segments[i];
            var t = target.Slice(s.Start, s.Length);
            var o = output.Slice(s.Start, s.Length);
            switch (s.Kind)
            {
                case ColumnKind.Bernoulli:
                    sum += BernoulliDivergence(t, o);
                    break;
                case ColumnKind.Gaussian:
                    sum += GaussianDivergence(t, o, gaussianLogVar[i]!);
                    break;
                default:
                    double logSumExp = LogSumExp(o);
                    for (int j = 0; j < t.Length; j++) sum += t[j] * (logSumExp - o[j]) + XLogX(t[j]);
                    break;
            }
        }
        return sum;
    }

    // Columns are processed in stack chunks of this many floats: vectorized float arithmetic, sums kept in double.
    private const int Chunk = 256;
    // Below this, t log t is taken as 0: max(t, Tiny) keeps log finite and 0 * log(Tiny) is exactly 0.
    private const float Tiny = 1e-30f;

    /// <summary>sum_j max(l, 0) - l t + log(1 + e^-|l|) + t log t + (1 - t) log(1 - t), in float chunks.</summary>
    private static double BernoulliDivergence(ReadOnlySpan<float> t, ReadOnlySpan<float> l)
    {
        Span<float> a = stackalloc float[Chunk], b = stackalloc float[Chunk];
        double sum = 0;
        for (int start = 0; start < t.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, t.Length - start);
            var tc = t.Slice(start, n);
            var lc = l.Slice(start, n);
            var x = a[..n];
            var y = b[..n];
            TensorPrimitives.Abs(lc, x);
            TensorPrimitives.Negate(x, x);
            TensorPrimitives.Exp(x, x);
            TensorPrimitives.LogP1(x, x);          // log(1 + e^-|l|)
            sum += TensorPrimitives.Sum(x);
            TensorPrimitives.Max(lc, 0f, x);
            TensorPrimitives.Multiply(lc, tc, y);
            TensorPrimitives.Subtract(x, y, x);    // max(l, 0) - l t
            sum += TensorPrimitives.Sum(x);
            TensorPrimitives.Max(tc, Tiny, x);
            TensorPrimitives.Log(x, x);
            sum += TensorPrimitives.Dot(tc, x);    // t log t
            TensorPrimitives.Subtract(1f, tc, y);
            TensorPrimitives.Max(y, Tiny, x);
            TensorPrimitives.Log(x, x);
            sum += TensorPrimitives.Dot(y, x);     // (1 - t) log (1 - t)
        }
        return sum;
    }

    /// <summary>sum_j 0.5 (t - m)^2 e^-v, in float chunks.</summary>
    private static double GaussianDivergence(ReadOnlySpan<float> t, ReadOnlySpan<float> m, ReadOnlySpan<float> logVar)
    {
        Span<float> a = stackalloc float[Chunk], b = stackalloc float[Chunk];
        double sum = 0;
        for (int start = 0; start < t.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, t.Length - start);
            var d = a[..n];
            var w = b[..n];
            TensorPrimitives.Subtract(t.Slice(start, n), m.Slice(start, n), d);
            TensorPrimitives.Multiply(d, d, d);
            TensorPrimitives.Negate(logVar.Slice(start, n), w);
            TensorPrimitives.Exp(w, w);
            sum += 0.5 * TensorPrimitives.Dot(d, w);
        }
        return sum;
    }

    /// <summary>
    /// sum over columns of (x - E[x|z])^2 in model units: pixel values for Bernoulli columns, standardized values for
    /// Gaussian columns, one-hot slots against the softmax for categorical groups (the Brier score).
    /// </summary>
    public static double SquaredError(Segment[] segments, ReadOnlySpan<float> target, ReadOnlySpan<float> output)
    {
        double sum = 0;
        foreach (var s in segments)
        {
            var t = target.Slice(s.Start, s.Length);
            var o = output.Slice(s.Start, s.Length);
            double logSumExp = s.Kind == ColumnKind.Categorical ? LogSumExp(o) : 0;
            for (int j = 0; j < t.Length; j++)
            {
                double mean = s.Kind switch
                {
                    ColumnKind.Bernoulli => 1 / (1 + Math.Exp(-(double)o[j])),
                    ColumnKind.Gaussian => o[j],
                    _ => Math.Exp(o[j] - logSumExp),
                };
                sum += (t[j] - mean) * (t[j] - mean);
            }
        }
        return sum;
    }

    /// <summary>x log x with its limit 0 at x = 0.</summary>
    private static double XLogX(double x) => x > 0 ? x * Math.Log(x) : 0;

    private static double LogSumExp(ReadOnlySpan<float> values)
    {
        double max = double.NegativeInfinity;
        foreach (float v in values) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in values) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}
