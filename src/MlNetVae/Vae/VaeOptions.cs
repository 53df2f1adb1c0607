using MlNetVae.Engine.Nn;

namespace MlNetVae.Vae;

/// <summary>
/// Everything that defines a VAE and how it is trained. Immutable; <see cref="Validate"/> names the first
/// setting out of range. The defaults are the pytorch/examples VAE (400 hidden, 20 latent, ReLU, Adam 1e-3,
/// batch 128) trained for 40 epochs, the length the one-class anomaly harness favoured (see Scoring/README.md).
/// </summary>
public sealed record VaeOptions
{
    /// <summary>Hidden layer widths of the encoder, input side first.</summary>
    public int[] EncoderHidden { get; init; } = [400];

    /// <summary>Hidden layer widths of the decoder, latent side first; null mirrors the encoder.</summary>
    public int[]? DecoderHidden { get; init; }

    /// <summary>Nonlinearity after every hidden layer.</summary>
    public Activation Activation { get; init; } = Activation.Relu;

    /// <summary>Latent dimensions K.</summary>
    public int LatentSize { get; init; } = 20;

    /// <summary>p(x|z) per feature. <see cref="LikelihoodKind.Auto"/> picks Bernoulli when every training value lies in [0, 1], else Gaussian.</summary>
    public LikelihoodKind Likelihood { get; init; } = LikelihoodKind.Auto;

    /// <summary>
    /// Groups of consecutive columns that are one-hot slots of one categorical feature (softmax over the slots),
    /// as (first column, slot count). The other columns follow <see cref="Likelihood"/>.
    /// </summary>
    public (int Start, int Length)[] CategoricalGroups { get; init; } = [];

    /// <summary>Gaussian features: learn a log-variance per feature (true) or keep it at <see cref="GaussianLogVariance"/>.</summary>
    public bool LearnGaussianVariance { get; init; } = true;

    /// <summary>Gaussian features: the fixed log-variance (standardized units) when not learned; 0 is unit variance.</summary>
    public float GaussianLogVariance { get; init; }

    /// <summary>Weight of the KL term (beta-VAE); 1 is the true ELBO.</summary>
    public float Beta { get; init; } = 1f;

    /// <summary>Epochs over which the KL weight ramps linearly from 0 to <see cref="Beta"/> (against posterior collapse); 0 = off.</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>Free bits: a floor, in nats, on each latent dimension's batch-mean KL (Kingma et al. 2016); 0 = off.</summary>
    public float FreeBits { get; init; }

    /// <summary>Adam's learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Rows per mini-batch.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>
    /// Passes over the training rows. 40 by default, not the example's 10: one-class anomaly AUROC on Fashion-MNIST
    /// kept rising up to 40 epochs (issue 6, tests/MlNetVae.Benchmarks/AnomalyBenchmark.cs).
    /// </summary>
    public int Epochs { get; init; } = 40;

    /// <summary>Fraction of rows held out to measure the validation ELBO each epoch; 0 = none.</summary>
    public float ValidationFraction { get; init; }

    /// <summary>Stop after this many epochs without a better validation ELBO and restore the best weights; 0 = off. Needs a validation fraction.</summary>
    public int Patience { get; init; }

    /// <summary>Seed of every random choice (initial weights, shuffling, noise). Same seed and thread count: same weights.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Threads the kernels use; 0 = all cores.</summary>
    public int Threads { get; init; }

    /// <summary>The encoder's log-variance is clamped to [-LogVarClamp, LogVarClamp] so exp() cannot overflow.</summary>
    public float LogVarClamp { get; init; } = 15f;

    /// <summary>Image data: resample Bernoulli targets as 0/1 with probability equal to the pixel value at each step.</summary>
    public bool DynamicBinarization { get; init; }

    /// <summary>The decoder's hidden widths, latent side first.</summary>
    public int[] ResolvedDecoderHidden => DecoderHidden ?? EncoderHidden.Reverse().ToArray();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        Check(EncoderHidden is not null && EncoderHidden.All(h => h > 0), nameof(EncoderHidden), "every hidden width must be positive");
        Check(DecoderHidden is null || DecoderHidden.All(h => h > 0), nameof(DecoderHidden), "every hidden width must be positive");
        Check(LatentSize > 0, nameof(LatentSize), $"must be positive, got {LatentSize}");
        Check(Enum.IsDefined(Likelihood), nameof(Likelihood), $"unknown likelihood {Likelihood}");
        Check(Enum.IsDefined(Activation), nameof(Activation), $"unknown activation {Activation}");
        Check(CategoricalGroups is not null && CategoricalGroups.All(g => g.Start >= 0 && g.Length >= 2), nameof(CategoricalGroups), "each group needs a start >= 0 and at least 2 slots");
        Check(float.IsFinite(GaussianLogVariance), nameof(GaussianLogVariance), "must be finite");
        Check(Beta >= 0 && float.IsFinite(Beta), nameof(Beta), $"must be zero or positive, got {Beta}");
        Check(WarmupEpochs >= 0, nameof(WarmupEpochs), $"must be zero or positive, got {WarmupEpochs}");
        Check(FreeBits >= 0 && float.IsFinite(FreeBits), nameof(FreeBits), $"must be zero or positive, got {FreeBits}");
        Check(LearningRate > 0 && float.IsFinite(LearningRate), nameof(LearningRate), $"must be positive, got {LearningRate}");
        Check(BatchSize > 0, nameof(BatchSize), $"must be positive, got {BatchSize}");
        Check(Epochs > 0, nameof(Epochs), $"must be positive, got {Epochs}");
        Check(ValidationFraction >= 0 && ValidationFraction < 1, nameof(ValidationFraction), $"must be in [0, 1), got {ValidationFraction}");
        Check(Patience >= 0, nameof(Patience), $"must be zero or positive, got {Patience}");
        Check(Patience == 0 || ValidationFraction > 0, nameof(Patience), "early stopping needs a validation fraction above 0");
        Check(Threads >= 0, nameof(Threads), $"must be zero (all cores) or positive, got {Threads}");
        Check(LogVarClamp > 0 && float.IsFinite(LogVarClamp), nameof(LogVarClamp), $"must be positive, got {LogVarClamp}");
    }

    private static void Check(bool ok, string name, string message)
    {
        if (!ok) throw new ArgumentException($"VaeOptions.{name}: {message}", name);
    }
}

/// <summary>The likelihood p(x|z) of the non-categorical features.</summary>
public enum LikelihoodKind
{
    /// <summary>Bernoulli when every training value lies in [0, 1], Gaussian otherwise.</summary>
    Auto,
    /// <summary>Bernoulli on targets in [0, 1] (BCE on logits; continuous targets allowed, as for pixel intensities).</summary>
    Bernoulli,
    /// <summary>Gaussian on standardized features with a learned or fixed per-feature variance.</summary>
    Gaussian,
}
