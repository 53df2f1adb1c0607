using MlNetVae.Vae;

namespace MlNetVae.Onnx.Export;

/// <summary>
/// The deterministic negative ELBO, <c>model.Score(rows).NegElbo</c> with <see cref="ScoreOptions.Samples"/> = 0,
/// scorer.onnx's <c>neg_elbo</c> output: -log p(x|z = mean) summed over every likelihood segment, plus
/// KL(q(z|x) || N(0, I)) in closed form. Each formula is the one <see cref="Likelihood"/> and <see cref="Elbo"/>
/// evaluate, in the same order of operations; <see cref="CorrectedNegElboScore"/> reuses the BCE and the KL.
/// </summary>
internal static class NegElboScore
{
    private static readonly float Log2Pi = MathF.Log(2 * MathF.PI);

    public static string Emit(GraphBuilder g, VaeModel model, ScorerParts p, string name)
    {
        var segments = model.Preprocessor.Segments;
        string? reconstruction = null;
        for (int i = 0; i < segments.Length; i++)
        {
            var s = segments[i];
            bool whole = segments.Length == 1;
            var o = whole ? p.Output : g.Columns(p.Output, s.Start, s.Length);   // [batch, length]
            var t = whole ? p.Standardized : g.Columns(p.Standardized, s.Start, s.Length);
            var nll = s.Kind switch                                                 // [batch, 1]
            {
                ColumnKind.Bernoulli => g.RowSum(Bernoulli(g, o, t)),
                ColumnKind.Gaussian => g.RowSum(Gaussian(g, o, t, VaeGraph.GaussianLogVar(g, model, i))),
                _ => Categorical(g, o, t),
            };
            reconstruction = reconstruction is null ? nll : g.Binary("Add", reconstruction, nll);
        }
        return g.Binary("Add", reconstruction!, g.RowSum(Kl(g, p.Mean, p.LogVar)), name);
    }

    /// <summary>BCE with logits l and targets t: (max(l, 0) - l t) + log(1 + e^-|l|), never forming sigmoid(l).</summary>
    public static string Bernoulli(GraphBuilder g, string l, string t)
    {
        var linear = g.Binary("Sub", g.Unary("Relu", l), g.Binary("Mul", l, t));
        return g.Binary("Add", linear, g.Unary("Softplus", g.Unary("Neg", g.Unary("Abs", l))));
    }

    /// <summary>0.5 (log 2 pi + lv + d (d e^-lv)) with d = t - mean and one log-variance lv [length] per feature.</summary>
    private static string Gaussian(GraphBuilder g, string mean, string t, string logVar)
    {
        var d = g.Binary("Sub", t, mean);
        var z = g.Binary("Mul", d, g.Unary("Exp", g.Unary("Neg", logVar)));
        var y = g.Binary("Add", g.Binary("Mul", d, z), logVar);
        return g.Binary("Mul", g.Binary("Add", y, g.Scalar(Log2Pi)), g.Scalar(0.5f));
    }

    /// <summary>One group's cross-entropy [batch, 1]: sum(t) log(sum e^(l - m)) - sum t (l - m), m the row's max logit.</summary>
    private static string Categorical(GraphBuilder g, string l, string t)
    {
        var shifted = g.Binary("Sub", l, g.Node("ReduceMax", [l], null, GraphBuilder.Ints("axes", 1), GraphBuilder.Int("keepdims", 1)));
        var dot = g.RowSum(g.Binary("Mul", t, shifted));
        var logSum = g.Unary("Log", g.RowSum(g.Unary("Exp", shifted)));
        return g.Binary("Sub", g.Binary("Mul", g.RowSum(t), logSum), dot);
    }

    /// <summary>KL(N(mu, e^lv) || N(0, 1)) per element: 0.5 ((e^lv + mu^2) - (lv + 1)).</summary>
    public static string Kl(GraphBuilder g, string mean, string logVar)
    {
        var sum = g.Binary("Add", g.Unary("Exp", logVar), g.Binary("Mul", mean, mean));
        return g.Binary("Mul", g.Binary("Sub", sum, g.Binary("Add", logVar, g.Scalar(1f))), g.Scalar(0.5f));
    }
}
