namespace MlNetVae.Graph;

/// <summary>
/// The model run forward once on raw rows, at z = posterior mean (no sampling, so the same rows give the same numbers):
/// the standardized rows, the posterior, and the decoder's output, which is recorded only when something reads it.
/// Every deterministic output and score is built from one pass.
/// </summary>
internal sealed class ForwardPass<T> where T : class
{
    private readonly IOps<T> _o;
    private readonly VaeSpec _spec;
    private T? _output;

    /// <summary>Standardizes and encodes raw rows [rows, D].</summary>
    public ForwardPass(IOps<T> o, VaeSpec spec, T raw)
    {
        _o = o;
        _spec = spec;
        X = Network.Standardize(o, raw);
        (Mean, LogVar) = Network.Encode(o, spec, X);
    }

    /// <summary>The rows in model units, [rows, D].</summary>
    public T X { get; }

    /// <summary>Posterior means, [rows, K].</summary>
    public T Mean { get; }

    /// <summary>Clamped posterior log-variances, [rows, K].</summary>
    public T LogVar { get; }

    /// <summary>The decoder's raw output at z = mean, [rows, D], recorded on first use: reading only the posterior never decodes.</summary>
    public T Output => _output ??= Network.Decode(_o, _spec, Mean);
}

/// <summary>How the managed engine runs forward passes over many rows.</summary>
internal static class ForwardPass
{
    /// <summary>Rows per forward pass, for every caller, so chunked results agree to the bit.</summary>
    public const int ChunkRows = 512;
}
