namespace MlNetVae.Graph;

/// <summary>KL(q(z|x) || N(0, I)) in closed form, the ELBO's regularizer.</summary>
internal static class Kl
{
    /// <summary>Per row and latent dimension, [rows, K]: 0.5 (e^logVar + mean^2 - 1 - logVar).</summary>
    public static T Elements<T>(IOps<T> o, T mean, T logVar) where T : class =>
        o.Scale(o.Sub(o.Add(o.Exp(logVar), o.Square(mean)), o.AddScalar(logVar, 1f)), 0.5f);

    /// <summary>Per row, [rows, 1].</summary>
    public static T PerRow<T>(IOps<T> o, T mean, T logVar) where T : class => o.RowSum(Elements(o, mean, logVar));
}
