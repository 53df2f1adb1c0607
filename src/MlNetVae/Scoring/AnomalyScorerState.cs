namespace MlNetVae.Scoring;

/// <summary>
/// What <see cref="AnomalyScorer"/> learned from the training rows, as named float arrays (the names are the ONNX
/// initializer names a scorer graph uses). Immutable: the constructor copies its inputs.
/// </summary>
public sealed class AnomalyScorerState
{
    /// <summary>Name of <see cref="LatentCenter"/> in <see cref="ToArrays"/>.</summary>
    public const string LatentCenterName = "score.latent_center";

    /// <summary>Name of <see cref="LatentWhitening"/> in <see cref="ToArrays"/>.</summary>
    public const string LatentWhiteningName = "score.latent_whitening";

    /// <summary>Name of <see cref="ComponentMean"/> in <see cref="ToArrays"/>.</summary>
    public const string ComponentMeanName = "score.component_mean";

    /// <summary>Name of <see cref="ComponentScale"/> in <see cref="ToArrays"/>.</summary>
    public const string ComponentScaleName = "score.component_scale";

    /// <summary>Creates the state from its arrays; throws <see cref="ArgumentException"/> when their sizes or values do not fit together.</summary>
    /// <param name="latentCenter">Mean of the training rows' posterior means, [K].</param>
    /// <param name="latentWhitening">W, [K * K] row-major: the squared Mahalanobis distance of mu is || (mu - center) W ||^2.</param>
    /// <param name="componentMean">Training mean of [ReconstructionDivergence, LatentMahalanobis].</param>
    /// <param name="componentScale">Training standard deviation of the same components, each positive.</param>
    public AnomalyScorerState(float[] latentCenter, float[] latentWhitening, float[] componentMean, float[] componentScale)
    {
        ArgumentNullException.ThrowIfNull(latentCenter);
        ArgumentNullException.ThrowIfNull(latentWhitening);
        ArgumentNullException.ThrowIfNull(componentMean);
        ArgumentNullException.ThrowIfNull(componentScale);
        int k = latentCenter.Length;
        if (k == 0 || latentWhitening.Length != k * k)
            throw new ArgumentException($"scorer state: {k} latent dimensions need a {k} x {k} whitening matrix, got {latentWhitening.Length} values");
        if (componentMean.Length != Components || componentScale.Length != Components)
            throw new ArgumentException($"scorer state: expected {Components} component means and scales, got {componentMean.Length} and {componentScale.Length}");
        if (!latentCenter.Concat(latentWhitening).Concat(componentMean).All(float.IsFinite) || componentScale.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new ArgumentException("scorer state: every value must be finite and every component scale positive");
        LatentCenter = Array.AsReadOnly(latentCenter.ToArray());
        LatentWhitening = Array.AsReadOnly(latentWhitening.ToArray());
        ComponentMean = Array.AsReadOnly(componentMean.ToArray());
        ComponentScale = Array.AsReadOnly(componentScale.ToArray());
    }

    /// <summary>Number of standardized components of <see cref="AnomalyScore.StandardizedSum"/>: divergence and Mahalanobis distance.</summary>
    public const int Components = 2;

    /// <summary>Latent width K.</summary>
    public int LatentSize => LatentCenter.Count;

    /// <summary>Mean of the training rows' posterior means, [K].</summary>
    public IReadOnlyList<float> LatentCenter { get; }

    /// <summary>W, [K * K] row-major, with W W^T the inverse covariance of the training aggregate posterior.</summary>
    public IReadOnlyList<float> LatentWhitening { get; }

    /// <summary>Training mean of [ReconstructionDivergence, LatentMahalanobis].</summary>
    public IReadOnlyList<float> ComponentMean { get; }

    /// <summary>Training standard deviation of [ReconstructionDivergence, LatentMahalanobis].</summary>
    public IReadOnlyList<float> ComponentScale { get; }

    /// <summary>Every array by name (copies), for a model file or ONNX initializers.</summary>
    public IReadOnlyDictionary<string, float[]> ToArrays() => new Dictionary<string, float[]>
    {
        [LatentCenterName] = LatentCenter.ToArray(),
        [LatentWhiteningName] = LatentWhitening.ToArray(),
        [ComponentMeanName] = ComponentMean.ToArray(),
        [ComponentScaleName] = ComponentScale.ToArray(),
    };

    /// <summary>The state back from <see cref="ToArrays"/>; throws <see cref="ArgumentException"/> naming a missing array.</summary>
    public static AnomalyScorerState FromArrays(IReadOnlyDictionary<string, float[]> arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        float[] Get(string name) => arrays.TryGetValue(name, out var a) ? a : throw new ArgumentException($"scorer state: missing array {name}");
        return new AnomalyScorerState(Get(LatentCenterName), Get(LatentWhiteningName), Get(ComponentMeanName), Get(ComponentScaleName));
    }
}
