using System.Numerics;
using System.Numerics.Tensors;
using MlNetVae.Engine.Nn;

namespace MlNetVae.Engine.Optim;

/// <summary>Adam's settings. <see cref="DecoupledWeightDecay"/> turns Adam into AdamW.</summary>
/// <param name="LearningRate">Step size.</param>
/// <param name="Beta1">Decay of the first-moment (mean) estimate.</param>
/// <param name="Beta2">Decay of the second-moment (uncentered variance) estimate.</param>
/// <param name="Epsilon">Added to the denominator for numerical safety.</param>
/// <param name="WeightDecay">L2 penalty (Adam: added to the gradient; AdamW: decays the weights directly).</param>
/// <param name="DecoupledWeightDecay">True for AdamW (Loshchilov and Hutter), false for Adam's L2 penalty.</param>
/// <param name="MaxGradNorm">When set, gradients are rescaled so their global L2 norm is at most this.</param>
public sealed record AdamOptions(
    float LearningRate = 1e-3f,
    float Beta1 = 0.9f,
    float Beta2 = 0.999f,
    float Epsilon = 1e-8f,
    float WeightDecay = 0f,
    bool DecoupledWeightDecay = false,
    float? MaxGradNorm = null)
{
    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "must be positive");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, "must be in [0, 1)");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, "must be in [0, 1)");
        if (!(Epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "must be positive");
        if (!(WeightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "must be zero or positive");
        if (MaxGradNorm is { } m && !(m > 0)) throw new ArgumentOutOfRangeException(nameof(MaxGradNorm), m, "must be positive");
    }
}

/// <summary>
/// Adam and AdamW with bias correction, the same arithmetic as PyTorch's <c>torch.optim.Adam</c>/<c>AdamW</c>,
/// over a <see cref="ParameterStore"/>'s flat buffers: one vectorized pass updates every parameter.
/// </summary>
public sealed class Adam
{
    private readonly ParameterStore _store;
    private readonly float[] _m, _v; // first and second moments, same layout as the store

    /// <summary>Creates an optimizer for every parameter of <paramref name="store"/>.</summary>
    public Adam(ParameterStore store, AdamOptions options)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _store = store;
        Options = options;
        _m = new float[store.Values.Length];
        _v = new float[_m.Length];
    }

    /// <summary>The settings.</summary>
    public AdamOptions Options { get; }

    /// <summary>Steps taken so far.</summary>
    public int StepCount { get; private set; }

    /// <summary>The global L2 norm of the gradients seen by the last step, before clipping.</summary>
    public float LastGradNorm { get; private set; }

    /// <summary>Updates every parameter from its gradient. Gradients are left as they are (clipped if asked).</summary>
    public void Step()
    {
        var p = _store.Values;
        var g = _store.Grads;
        LastGradNorm = TensorPrimitives.Norm(g);
        if (Options.MaxGradNorm is { } maxNorm)
        {
            // PyTorch's clip_grad_norm_: scale by max / (norm + 1e-6) only when that is below 1.
            float scale = maxNorm / (LastGradNorm + 1e-6f);
            if (scale < 1f) TensorPrimitives.Multiply(g, scale, g);
        }

        StepCount++;
        var o = Options;
        float correction1 = 1f - MathF.Pow(o.Beta1, StepCount);
        float correction2Sqrt = MathF.Sqrt(1f - MathF.Pow(o.Beta2, StepCount));
        float stepSize = o.LearningRate / correction1;
        float l2 = o.DecoupledWeightDecay ? 0f : o.WeightDecay;
        float decay = o.DecoupledWeightDecay ? 1f - o.LearningRate * o.WeightDecay : 1f;
        Update(p, g, _m, _v, o.Beta1, o.Beta2, o.Epsilon, l2, decay, stepSize, 1f / correction2Sqrt);
    }

    /// <summary>
    /// One fused pass: g' = g + l2 * p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
    /// p = decay * p - stepSize * m / (sqrt(v) * invCorrection2Sqrt + eps).
    /// </summary>
    private static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float b1, float b2, float eps, float l2, float decay, float stepSize, float invCorrection2Sqrt)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vb1 = new Vector<float>(b1); var vb1c = new Vector<float>(1f - b1);
            var vb2 = new Vector<float>(b2); var vb2c = new Vector<float>(1f - b2);
            var vl2 = new Vector<float>(l2); var vdecay = new Vector<float>(decay);
            var vstep = new Vector<float>(stepSize); var vinv = new Vector<float>(invCorrection2Sqrt);
            var veps = new Vector<float>(eps);
            int width = Vector<float>.Count;
            for (; i <= p.Length - width; i += width)
            {
                var pv = new Vector<float>(p[i..]);
                var gv = new Vector<float>(g[i..]) + vl2 * pv;
                var mv = vb1 * new Vector<float>(m[i..]) + vb1c * gv;
                var vv = vb2 * new Vector<float>(v[i..]) + vb2c * gv * gv;
                mv.CopyTo(m[i..]);
                vv.CopyTo(v[i..]);
                (vdecay * pv - vstep * mv / (Vector.SquareRoot(vv) * vinv + veps)).CopyTo(p[i..]);
            }
        }
        for (; i < p.Length; i++)
        {
            float gi = g[i] + l2 * p[i];
            m[i] = b1 * m[i] + (1f - b1) * gi;
            v[i] = b2 * v[i] + (1f - b2) * gi * gi;
            p[i] = decay * p[i] - stepSize * m[i] / (MathF.Sqrt(v[i]) * invCorrection2Sqrt + eps);
        }
    }
}
