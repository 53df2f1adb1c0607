namespace MlNetVae.Backends;

/// <summary>
/// The numbers every executor of the formulas uses, so that two training backends given the same weights, batches and
/// noise train the same model, and the exported graphs compute what training did: Adam's settings (PyTorch's
/// defaults) and the floor of the logs of sums of squares and inside x log x.
/// </summary>
public static class SharedNumerics
{
    /// <summary>Adam's decay of the first-moment estimate.</summary>
    public const float AdamBeta1 = 0.9f;

    /// <summary>Adam's decay of the second-moment estimate.</summary>
    public const float AdamBeta2 = 0.999f;

    /// <summary>Added to Adam's denominator.</summary>
    public const float AdamEpsilon = 1e-8f;

    /// <summary>
    /// Values are floored here before a log: x log x is 0 below it (max(x, floor) keeps the log finite and 0 times it
    /// is exactly 0), and a sum of squares that is exactly 0 gets a finite, very low log.
    /// </summary>
    public const float LogFloor = 1e-30f;
}
