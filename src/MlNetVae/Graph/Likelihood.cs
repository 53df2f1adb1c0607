using MlNetVae.Spec;

namespace MlNetVae.Graph;

/// <summary>
/// p(x|z) of each feature block, in model units, written once: the negative log-likelihood (the ELBO's reconstruction
/// term), its divergence from a perfect reconstruction (the anomaly scores' term), and the likelihood's mean.
/// Bernoulli: BCE on logits. Gaussian: one learned or fixed log-variance per feature, shared by every row.
/// Categorical: softmax over a one-hot block.
/// </summary>
internal static class Likelihood
{
    private static readonly float Log2Pi = MathF.Log(2 * MathF.PI);

    /// <summary>-log p(x|z) per row, [rows, 1], from the decoder's output and the standardized targets, both [rows, D].</summary>
    public static T Nll<T>(IOps<T> o, VaeSpec spec, T output, T x) where T : class => SumBlocks(o, spec, output, x, divergence: false);

    /// <summary>
    /// -log p(x|z) minus the smallest value it can take for this x (what a decoder reproducing x exactly pays), per row,
    /// [rows, 1]; never negative. It removes the entropy of the data itself from the ELBO, which otherwise makes dark,
    /// plain images look likely whatever they show.
    /// </summary>
    public static T Divergence<T>(IOps<T> o, VaeSpec spec, T output, T x) where T : class => SumBlocks(o, spec, output, x, divergence: true);

    /// <summary>The likelihood's mean of one block in model units: sigmoid of logits, the Gaussian mean, softmax of category logits.</summary>
    public static T Mean<T>(IOps<T> o, FeatureBlock block, T output) where T : class => block.Kind switch
    {
        FeatureKind.Bernoulli => o.Sigmoid(output),
        FeatureKind.Gaussian => output,
        _ => o.Exp(o.Sub(output, o.RowLogSumExp(output))),
    };

    /// <summary>
    /// The divergence of each explained feature (<see cref="ExplainedFeatures"/>), [rows, F]: per numeric column its own
    /// term, per one-hot group the group's term, per pixel its channels' terms; each row sums to <see cref="Divergence"/>
    /// (up to float rounding).
    /// </summary>
    public static T DivergencePerFeature<T>(IOps<T> o, VaeSpec spec, T output, T x) where T : class
    {
        var blocks = spec.Layout.Blocks;
        if (blocks.Count == 1) return ExplainedFeatures.SumChannels(o, spec, PerFeature(o, spec, 0, output, x));
        var parts = new T[blocks.Count];
        for (int i = 0; i < parts.Length; i++)
            parts[i] = PerFeature(o, spec, i, o.Columns(output, blocks[i].Start, blocks[i].Length), o.Columns(x, blocks[i].Start, blocks[i].Length));
        return ExplainedFeatures.SumChannels(o, spec, o.ConcatColumns(parts));
    }

    /// <summary>One block's divergence per explained feature: [rows, length] for a numeric block, [rows, 1] for a one-hot group.</summary>
    private static T PerFeature<T>(IOps<T> o, VaeSpec spec, int index, T l, T t) where T : class =>
        spec.Layout.Blocks[index].Kind == FeatureKind.Categorical
            ? Term(o, spec, index, l, t, divergence: true)
            : Elements(o, spec, index, l, t, divergence: true);

    /// <summary>One block's term per row, [rows, 1]: the NLL, or the NLL less its floor for this target.</summary>
    private static T Term<T>(IOps<T> o, VaeSpec spec, int index, T l, T t, bool divergence) where T : class
    {
        if (spec.Layout.Blocks[index].Kind != FeatureKind.Categorical) return o.RowSum(Elements(o, spec, index, l, t, divergence));
        // Cross-entropy sum(t) logsumexp(l) - sum t l; the divergence adds sum t log t (0 for one-hot targets).
        var ce = o.Sub(o.Mul(o.RowSum(t), o.RowLogSumExp(l)), o.RowSum(o.Mul(t, l)));
        return divergence ? o.Add(ce, o.RowSum(o.XLogX(t))) : ce;
    }

    /// <summary>A Bernoulli or Gaussian block's term per feature, [rows, length]: the NLL, or the NLL less its floor for this target.</summary>
    private static T Elements<T>(IOps<T> o, VaeSpec spec, int index, T l, T t, bool divergence) where T : class
    {
        if (spec.Layout.Blocks[index].Kind == FeatureKind.Bernoulli)
        {
            // BCE(t, sigmoid l); its floor is the entropy of Bernoulli(t), so the divergence is
            // KL(Bernoulli(t) || Bernoulli(sigmoid l)) = BCE + t log t + (1 - t) log(1 - t).
            var bce = o.BceWithLogits(l, t);
            return divergence ? o.Add(bce, o.Add(o.XLogX(t), o.XLogX(o.AddScalar(o.Scale(t, -1f), 1f)))) : bce;
        }
        // 0.5 (log 2 pi + v + (t - m)^2 e^-v) with one log-variance v per feature; the divergence drops the
        // floor 0.5 (log 2 pi + v) and keeps 0.5 (t - m)^2 e^-v.
        var v = spec.Options.LearnGaussianVariance ? o.Parameter(spec.LogVarianceNames[index]) : o.Buffer(spec.LogVarianceNames[index]);
        var weighted = o.Mul(o.Square(o.Sub(t, l)), o.Exp(o.Scale(v, -1f)));
        return o.Scale(divergence ? weighted : o.AddScalar(o.Add(weighted, v), Log2Pi), 0.5f);
    }

    private static T SumBlocks<T>(IOps<T> o, VaeSpec spec, T output, T x, bool divergence) where T : class
    {
        var blocks = spec.Layout.Blocks;
        if (blocks.Count == 1) return Term(o, spec, 0, output, x, divergence);
        T? total = null;
        for (int i = 0; i < blocks.Count; i++)
        {
            var t = Term(o, spec, i, o.Columns(output, blocks[i].Start, blocks[i].Length), o.Columns(x, blocks[i].Start, blocks[i].Length), divergence);
            total = total is null ? t : o.Add(total, t);
        }
        return total!;
    }
}
