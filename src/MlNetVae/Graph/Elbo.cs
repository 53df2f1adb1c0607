using MlNetVae.Graph;
using MlNetVae.Spec;

namespace MlNetVae.Backends;

/// <summary>The recorded pieces of one ELBO evaluation on a batch.</summary>
/// <param name="Loss">What training minimizes, a scalar: mean reconstruction + klWeight * KL term.</param>
/// <param name="Reconstruction">-log p(x|z) per row, [rows, 1].</param>
/// <param name="Kl">KL(q(z|x) || N(0, I)) per row, [rows, 1].</param>
public readonly record struct ElboTerms<T>(T Loss, T Reconstruction, T Kl);

/// <summary>
/// The evidence lower bound of a batch, ELBO = E_q[log p(x|z)] - KL(q(z|x) || N(0, I)) &lt;= log p(x), with one
/// reparameterized sample z per row: the training loss of every backend, and the validation and sampled -ELBO.
/// </summary>
public static class Elbo
{
    /// <summary>
    /// Records the ELBO of raw rows [rows, D] with noise eps [rows, K]. The loss weighs the KL by
    /// <paramref name="klWeight"/> (beta, times the warm-up ramp) and, when <paramref name="freeBits"/> &gt; 0, floors each
    /// latent dimension's batch-mean KL at that many nats, so the optimizer gains nothing by collapsing a dimension below it.
    /// </summary>
    public static ElboTerms<T> Record<T>(IOps<T> o, VaeSpec spec, T raw, T eps, float klWeight, float freeBits) where T : class
    {
        var x = Network.Standardize(o, raw);                        // (rows, D)
        var (mean, logVar) = Network.Encode(o, spec, x);            // (rows, K) each
        var z = Network.Sample(o, mean, logVar, eps);               // (rows, K)
        var output = Network.Decode(o, spec, z);                    // (rows, D)
        var reconstruction = Likelihood.Nll(o, spec, output, x);    // (rows, 1)
        var klElements = Kl.Elements(o, mean, logVar);              // (rows, K)
        var kl = o.RowSum(klElements);                              // (rows, 1)
        var klTerm = freeBits > 0 ? o.Sum(o.Clamp(o.ColumnMean(klElements), freeBits, float.PositiveInfinity)) : o.Mean(kl);
        var loss = o.Add(o.Mean(reconstruction), o.Scale(klTerm, klWeight));
        return new ElboTerms<T>(loss, reconstruction, kl);
    }
}
