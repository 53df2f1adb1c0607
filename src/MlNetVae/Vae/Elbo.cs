using MlNetVae.Engine.Autodiff;

namespace MlNetVae.Vae;

/// <summary>The recorded pieces of one ELBO evaluation on a batch.</summary>
/// <param name="Loss">The scalar that training minimizes: mean reconstruction + weight * KL term.</param>
/// <param name="Reconstruction">-log p(x|z) per row, (rows, 1).</param>
/// <param name="Kl">KL(q(z|x) || N(0, I)) per row, (rows, 1).</param>
/// <param name="KlElements">KL per row and latent dimension, (rows, K).</param>
/// <param name="Mean">Posterior means, (rows, K).</param>
/// <param name="LogVar">Posterior log-variances, (rows, K).</param>
/// <param name="Output">Decoder output, (rows, D).</param>
internal readonly record struct ElboNodes(Node Loss, Node Reconstruction, Node Kl, Node KlElements, Node Mean, Node LogVar, Node Output);

/// <summary>
/// The evidence lower bound, built only from autodiff primitives (its gradient needs no code of its own):
/// ELBO = E_q[log p(x|z)] - KL(q(z|x) || N(0, I)) &lt;= log p(x), one reparameterized sample z per row.
/// </summary>
internal static class Elbo
{
    /// <summary>
    /// Records the ELBO of a batch x (rows, D) in model units with noise eps (rows, K); eps = 0 evaluates
    /// the decoder at the posterior mean. The loss weighs the KL by <paramref name="klWeight"/> (beta, times
    /// the warm-up ramp) and, when <paramref name="freeBits"/> &gt; 0, floors each dimension's batch-mean KL
    /// at that many nats so the optimizer gains nothing by collapsing a dimension below it.
    /// </summary>
    public static ElboNodes Record(Tape tape, VaeModel model, Node x, Node eps, float klWeight, float freeBits, Node[]? elements = null)
    {
        var (mean, logVar) = model.RecordEncoder(tape, x);                  // (rows, K) each
        var z = VaeModel.RecordSample(tape, mean, logVar, eps);             // (rows, K)
        var output = model.RecordDecoder(tape, z);                          // (rows, D)
        var reconstruction = Likelihood.RecordNll(tape, model, output, x, elements); // (rows, 1)
        var klElements = KlToStandardNormal(tape, mean, logVar);            // (rows, K)
        var kl = tape.Sum(klElements, 1);                                   // (rows, 1)
        var klTerm = freeBits > 0
            ? tape.Sum(tape.Clamp(tape.Mean(klElements, 0), freeBits, float.PositiveInfinity)) // (1)
            : tape.Mean(kl);
        var loss = tape.Add(tape.Mean(reconstruction), tape.Scale(klTerm, klWeight));
        return new ElboNodes(loss, reconstruction, kl, klElements, mean, logVar, output);
    }

    /// <summary>KL(N(mu, exp(lv)) || N(0, 1)) elementwise, in closed form: 0.5 (exp(lv) + mu^2 - 1 - lv).</summary>
    public static Node KlToStandardNormal(Tape tape, Node mean, Node logVar) =>
        tape.Scale(tape.Sub(tape.Add(tape.Exp(logVar), tape.Square(mean)), tape.AddScalar(logVar, 1f)), 0.5f);
}
