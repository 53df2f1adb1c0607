using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MlNetVae.Engine.Kernels;
using MlNetVae.Engine.Nn;

namespace MlNetVae.Engine.Optim;

/// <summary>Adam's settings. <see cref="DecoupledWeightDecay"/> turns Adam into AdamW.</summary>
/// <param name="LearningRate">Step size (the first: <see cref="Adam.LearningRate"/> may change it between steps).</param>
/// <param name="Beta1">Decay of the first-moment (mean) estimate.</param>
/// <param name="Beta2">Decay of the second-moment (uncentered variance) estimate.</param>
/// <param name="Epsilon">Added to the denominator for numerical safety.</param>
/// <param name="WeightDecay">L2 penalty (Adam: added to the gradient; AdamW: decays the weights directly).</param>
/// <param name="DecoupledWeightDecay">True for AdamW (Loshchilov and Hutter), false for Adam's L2 penalty.</param>
/// <param name="MaxGradNorm">When set, gradients are rescaled so their global L2 norm is at most this.</param>
internal sealed record AdamOptions(
    float LearningRate = 1e-3f,
    float Beta1 = SharedNumerics.AdamBeta1,
    float Beta2 = SharedNumerics.AdamBeta2,
    float Epsilon = SharedNumerics.AdamEpsilon,
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
/// over a <see cref="ParameterStore"/>'s flat buffers: one vectorized pass updates every parameter, split into
/// contiguous ranges over the compute threads (elementwise, so the result does not depend on the thread count).
/// </summary>
internal sealed class Adam
{
    private readonly ParameterStore _store;
    private readonly Compute _compute;
    private readonly float[] _m, _v; // first and second moments, same layout as the store

    /// <summary>Creates an optimizer for every parameter of <paramref name="store"/>.</summary>
    /// <param name="store">The parameters and their gradients.</param>
    /// <param name="options">The settings.</param>
    /// <param name="compute">Where the update runs (default: all cores).</param>
    public Adam(ParameterStore store, AdamOptions options, Compute? compute = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _store = store;
        _compute = compute ?? Compute.Default;
        Options = options;
        LearningRate = options.LearningRate;
        _m = new float[store.Values.Length];
        _v = new float[_m.Length];
    }

    /// <summary>The settings.</summary>
    public AdamOptions Options { get; }

    /// <summary>
    /// The step size of the next steps, at first <see cref="AdamOptions.LearningRate"/>; a schedule sets it before each step,
    /// as PyTorch's schedulers set a param group's <c>lr</c> (the moments and the bias correction go on unchanged).
    /// </summary>
    public float LearningRate
    {
        get;
        set => field = value > 0 && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "must be positive");
    }

    /// <summary>Steps taken so far.</summary>
    public int StepCount { get; private set; }

    /// <summary>Updates every parameter from its gradient. Gradients are left as they are (clipped if asked).</summary>
    public void Step() => Step(clearGradients: false);

    /// <summary>
    /// Updates every parameter from its gradient; with <paramref name="clearGradients"/> the same pass then zeroes each
    /// gradient it has read, which saves the training step a separate pass over the gradient buffer.
    /// </summary>
    internal unsafe void Step(bool clearGradients)
    {
        var g = _store.Grads;
        if (Options.MaxGradNorm is { } maxNorm)
        {
            // PyTorch's clip_grad_norm_: scale by max / (norm + 1e-6) only when that is below 1.
            float scale = maxNorm / (TensorPrimitives.Norm(g) + 1e-6f);
            if (scale < 1f) TensorPrimitives.Multiply(g, scale, g);
        }

        StepCount++;
        var o = Options;
        fixed (float* p = _store.Values, gp = g, m = _m, v = _v)
        {
            var job = new UpdateJob
            {
                P = p, G = gp, M = m, V = v, Length = _m.Length, Clear = clearGradients,
                Beta1 = o.Beta1, Beta2 = o.Beta2, Epsilon = o.Epsilon,
                L2 = o.DecoupledWeightDecay ? 0f : o.WeightDecay,
                Decay = o.DecoupledWeightDecay ? 1f - LearningRate * o.WeightDecay : 1f,
                StepSize = LearningRate / (1f - MathF.Pow(o.Beta1, StepCount)),
                InvCorrection2Sqrt = 1f / MathF.Sqrt(1f - MathF.Pow(o.Beta2, StepCount)),
            };
            // Below ~64k parameters waking a second thread costs more than it saves.
            _compute.Run(ref job, Math.Max(1, Math.Min(_compute.Threads, _m.Length / 65536)));
        }
    }

    /// <summary>
    /// One fused pass over a contiguous range: g' = g + l2 * p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
    /// p = decay * p - stepSize * m / (sqrt(v) * invCorrection2Sqrt + eps).
    /// </summary>
    private unsafe struct UpdateJob : IParallelJob
    {
        public float* P, G, M, V;
        public int Length;
        public bool Clear;
        public float Beta1, Beta2, Epsilon, L2, Decay, StepSize, InvCorrection2Sqrt;

        public readonly void Execute(int part, int parts)
        {
            // Range boundaries on 16-float multiples, so every part but the last is whole vectors.
            int chunk = (Length / parts + 15) & ~15;
            int start = Math.Min(Length, part * chunk), end = part == parts - 1 ? Length : Math.Min(Length, start + chunk);
            Update(new Span<float>(P + start, end - start), new Span<float>(G + start, end - start),
                new Span<float>(M + start, end - start), new Span<float>(V + start, end - start),
                Beta1, Beta2, Epsilon, L2, Decay, StepSize, InvCorrection2Sqrt, Clear);
        }
    }

    // Moments of a parameter whose gradient has stopped (a dead ReLU unit, an always-black pixel) decay
    // geometrically into float's subnormal range (see Subnormals): a 10-epoch run's optimizer step slowed
    // four-fold. Below this they are set to 0; the update they would make is under 1e-30 / eps = 1e-22 of
    // the learning rate, far below the float resolution of any weight.
    private const float FlushBelow = Subnormals.Threshold;

    // With clear, each gradient is zeroed as soon as it is loaded. With AVX-512 the update runs in 16 lanes: the same
    // operations in the same order as UpdatePortable (no fused multiply-adds; IEEE square root and division), so the
    // same bits, in about three quarters of the time inside a training step (its square roots and divisions, not only
    // its memory traffic, bound it).
    internal static void Update(Span<float> p, Span<float> g, Span<float> m, Span<float> v,
        float b1, float b2, float eps, float l2, float decay, float stepSize, float invCorrection2Sqrt, bool clear)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            UpdatePortable(p, g, m, v, b1, b2, eps, l2, decay, stepSize, invCorrection2Sqrt, clear);
            return;
        }
        int i = 0;
        var vb1 = Vector512.Create(b1); var vb1c = Vector512.Create(1f - b1);
        var vb2 = Vector512.Create(b2); var vb2c = Vector512.Create(1f - b2);
        var vl2 = Vector512.Create(l2); var vdecay = Vector512.Create(decay);
        var vstep = Vector512.Create(stepSize); var vinv = Vector512.Create(invCorrection2Sqrt);
        var veps = Vector512.Create(eps);
        var vtiny = Vector512.Create(FlushBelow);
        ref float pr = ref MemoryMarshal.GetReference(p), gr = ref MemoryMarshal.GetReference(g);
        ref float mr = ref MemoryMarshal.GetReference(m), vr = ref MemoryMarshal.GetReference(v);
        for (; i <= p.Length - 16; i += 16)
        {
            nuint at = (nuint)i;
            var pv = Vector512.LoadUnsafe(ref pr, at);
            var graw = Vector512.LoadUnsafe(ref gr, at);
            if (clear) Vector512<float>.Zero.StoreUnsafe(ref gr, at);
            var gv = Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(graw), vtiny), Vector512<float>.Zero, graw) + vl2 * pv;
            var mv = vb1 * Vector512.LoadUnsafe(ref mr, at) + vb1c * gv;
            var vv = vb2 * Vector512.LoadUnsafe(ref vr, at) + vb2c * gv * gv;
            mv = Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(mv), vtiny), Vector512<float>.Zero, mv);
            vv = Vector512.ConditionalSelect(Vector512.LessThan(vv, vtiny), Vector512<float>.Zero, vv);
            mv.StoreUnsafe(ref mr, at);
            vv.StoreUnsafe(ref vr, at);
            (vdecay * pv - vstep * mv / (Vector512.Sqrt(vv) * vinv + veps)).StoreUnsafe(ref pr, at);
        }
        UpdateScalar(p, g, m, v, b1, b2, eps, l2, decay, stepSize, invCorrection2Sqrt, clear, i);
    }

    /// <summary><see cref="Update"/> without AVX-512 (Vector&lt;float&gt;); the tests run it on every machine.</summary>
    internal static void UpdatePortable(Span<float> p, Span<float> g, Span<float> m, Span<float> v,
        float b1, float b2, float eps, float l2, float decay, float stepSize, float invCorrection2Sqrt, bool clear)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vb1 = new Vector<float>(b1); var vb1c = new Vector<float>(1f - b1);
            var vb2 = new Vector<float>(b2); var vb2c = new Vector<float>(1f - b2);
            var vl2 = new Vector<float>(l2); var vdecay = new Vector<float>(decay);
            var vstep = new Vector<float>(stepSize); var vinv = new Vector<float>(invCorrection2Sqrt);
            var veps = new Vector<float>(eps);
            var vtiny = new Vector<float>(FlushBelow);
            int width = Vector<float>.Count;
            // Loads and stores through refs: span slicing and Vector<T>'s span constructor were not inlined here.
            ref float pr = ref MemoryMarshal.GetReference(p), gr = ref MemoryMarshal.GetReference(g);
            ref float mr = ref MemoryMarshal.GetReference(m), vr = ref MemoryMarshal.GetReference(v);
            for (; i <= p.Length - width; i += width)
            {
                nuint at = (nuint)i;
                var pv = Vector.LoadUnsafe(ref pr, at);
                var graw = Vector.LoadUnsafe(ref gr, at);
                if (clear) Vector<float>.Zero.StoreUnsafe(ref gr, at);
                var gv = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(graw), vtiny), Vector<float>.Zero, graw) + vl2 * pv;
                var mv = vb1 * Vector.LoadUnsafe(ref mr, at) + vb1c * gv;
                var vv = vb2 * Vector.LoadUnsafe(ref vr, at) + vb2c * gv * gv;
                mv = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(mv), vtiny), Vector<float>.Zero, mv);
                vv = Vector.ConditionalSelect(Vector.LessThan(vv, vtiny), Vector<float>.Zero, vv);
                mv.StoreUnsafe(ref mr, at);
                vv.StoreUnsafe(ref vr, at);
                (vdecay * pv - vstep * mv / (Vector.SquareRoot(vv) * vinv + veps)).StoreUnsafe(ref pr, at);
            }
        }
        UpdateScalar(p, g, m, v, b1, b2, eps, l2, decay, stepSize, invCorrection2Sqrt, clear, i);
    }

    // Elements from start on: the scalar form of the same update, for the tail past the last whole vector.
    private static void UpdateScalar(Span<float> p, Span<float> g, Span<float> m, Span<float> v,
        float b1, float b2, float eps, float l2, float decay, float stepSize, float invCorrection2Sqrt, bool clear, int start)
    {
        for (int i = start; i < p.Length; i++)
        {
            float gi = (MathF.Abs(g[i]) < FlushBelow ? 0f : g[i]) + l2 * p[i];
            if (clear) g[i] = 0f;
            m[i] = b1 * m[i] + (1f - b1) * gi;
            v[i] = b2 * v[i] + (1f - b2) * gi * gi;
            if (MathF.Abs(m[i]) < FlushBelow) m[i] = 0f;
            if (v[i] < FlushBelow) v[i] = 0f;
            p[i] = decay * p[i] - stepSize * m[i] / (MathF.Sqrt(v[i]) * invCorrection2Sqrt + eps);
        }
    }
}
