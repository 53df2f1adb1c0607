using MlNetVae.Vae;

namespace MlNetVae.Onnx.Export;

/// <summary>
/// The default anomaly score, <c>AnomalyScore.CorrectedNegElbo</c>: the negative ELBO at z = posterior mean minus
/// what a decoder reproducing the row exactly would pay, i.e. per column the reconstruction's divergence from the
/// row, plus KL(q(z|x) || N(0, I)). The formulas are <c>ReconstructionTerms.Divergence</c>'s, element by element
/// (src/MlNetVae/Scoring/README.md); each segment is summed over its columns before the segments are added.
/// </summary>
internal static class CorrectedNegElboScore
{
    /// <summary>The score's name: scorer.onnx's metadata <c>score</c> and the model file's default score.</summary>
    public const string Name = "corrected_neg_elbo";

    public static string Emit(GraphBuilder g, VaeModel model, ScorerParts p, string name)
    {
        var segments = model.Preprocessor.Segments;
        string? divergence = null;
        for (int i = 0; i < segments.Length; i++)
        {
            var s = segments[i];
            bool whole = segments.Length == 1;
            var o = whole ? p.Output : g.Columns(p.Output, s.Start, s.Length);   // [batch, length]
            var t = whole ? p.Standardized : g.Columns(p.Standardized, s.Start, s.Length);
            var term = s.Kind switch                                                // [batch, length]
            {
                ColumnKind.Bernoulli => Bernoulli(g, o, t),
                ColumnKind.Gaussian => Gaussian(g, o, t, VaeGraph.GaussianLogVar(g, model, i)),
                _ => Categorical(g, o, t),
            };
            var sum = g.RowSum(term);                                               // [batch, 1]
            divergence = divergence is null ? sum : g.Binary("Add", divergence, sum);
        }
        return g.Binary("Add", divergence!, g.RowSum(NegElboScore.Kl(g, p.Mean, p.LogVar)), name);
    }

    /// <summary>KL(Bernoulli(t) || Bernoulli(sigmoid l)) = BCE with logits + t log t + (1 - t) log(1 - t).</summary>
    private static string Bernoulli(GraphBuilder g, string l, string t)
    {
        var negEntropy = g.Binary("Add", XLogX(g, t), XLogX(g, g.Binary("Sub", g.Scalar(1f), t)));
        return g.Binary("Add", NegElboScore.Bernoulli(g, l, t), negEntropy);
    }

    /// <summary>0.5 (t - mean)^2 e^-lv: the Gaussian NLL without its 0.5 (log 2 pi + lv) floor, lv [length] per feature.</summary>
    private static string Gaussian(GraphBuilder g, string mean, string t, string logVar)
    {
        var d = g.Binary("Sub", t, mean);
        var z = g.Binary("Mul", d, g.Unary("Exp", g.Unary("Neg", logVar)));
        return g.Binary("Mul", g.Binary("Mul", d, z), g.Scalar(0.5f));
    }

    /// <summary>One group's t (logsumexp(l) - l) + t log t per slot, logsumexp taken as m + log sum e^(l - m), m the row's max logit.</summary>
    private static string Categorical(GraphBuilder g, string l, string t)
    {
        var shifted = g.Binary("Sub", l, g.Node("ReduceMax", [l], null, GraphBuilder.Ints("axes", 1), GraphBuilder.Int("keepdims", 1)));
        var logSum = g.Unary("Log", g.RowSum(g.Unary("Exp", shifted)));   // [batch, 1]
        return g.Binary("Add", g.Binary("Mul", t, g.Binary("Sub", logSum, shifted)), XLogX(g, t));
    }

    /// <summary>
    /// t log t with its limit 0 at t = 0 (and 0 for t &lt; 0, as the managed code): Log yields -inf or NaN there, but only in
    /// the branch Where does not take, and Where selects per element.
    /// </summary>
    private static string XLogX(GraphBuilder g, string t)
    {
        var zero = g.Scalar(0f);
        return g.Node("Where", [g.Binary("Greater", t, zero), g.Binary("Mul", t, g.Unary("Log", t)), zero]);
    }
}
