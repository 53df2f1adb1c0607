using MlNetVae.Spec;

namespace MlNetVae.Backends;

/// <summary>The mean loss terms of one training step's batch.</summary>
/// <param name="Loss">The minimized loss: reconstruction + KL weight * KL term (with free bits, if on).</param>
/// <param name="Reconstruction">Mean -log p(x|z) per row, in nats.</param>
/// <param name="Kl">Mean KL(q(z|x) || N(0, I)) per row, in nats.</param>
public readonly record struct StepResult(float Loss, double Reconstruction, double Kl);

/// <summary>
/// An engine that can train a VAE: one Adam step on a batch, a forward evaluation, and its weights as a state dict.
/// the library's one training loop does everything else (splitting, shuffling, noise, warm-up, validation, early stopping,
/// progress, cancellation), so two backends given the same batches and noise train the same model.
/// </summary>
/// <remarks>
/// A backend starts from the state dict it is created with (see <see cref="ITrainingBackendFactory"/>), records the
/// loss with the shared formulas (<c>Graph.Elbo</c>) and steps Adam (beta1 0.9, beta2 0.999, eps 1e-8, PyTorch's
/// update) with the learning rate the loop gives each step (its schedule).
/// </remarks>
public interface ITrainingBackend : IDisposable
{
    /// <summary>
    /// One optimizer step on <paramref name="rows"/> raw rows [rows, D] (row-major in <paramref name="batch"/>) with
    /// reparameterization noise [rows, K], the given KL weight and Adam's learning rate for this step (the moments carry
    /// over from step to step whatever the rate); returns the batch's mean terms.
    /// </summary>
    StepResult Step(ReadOnlySpan<float> batch, ReadOnlySpan<float> noise, int rows, float klWeight, float learningRate);

    /// <summary>
    /// Forward only: per row, -log p(x|z) at z = mean + sigma * noise, and the closed-form KL, for <paramref name="rows"/>
    /// raw rows [rows, D] and noise [rows, K].
    /// </summary>
    void Evaluate(ReadOnlySpan<float> data, ReadOnlySpan<float> noise, int rows, Span<double> reconstruction, Span<double> kl);

    /// <summary>A copy of the current weights.</summary>
    StateDict State();

    /// <summary>Replaces the trainable weights (restoring the best epoch's).</summary>
    void Load(StateDict state);
}

/// <summary>Creates a backend for a spec, starting from given weights.</summary>
public interface ITrainingBackendFactory
{
    /// <summary>The backend's name as results report it (<c>managed</c>, <c>torchsharp</c>).</summary>
    string Name { get; }

    /// <summary>True when this backend can use an accelerator (a CUDA device) here, so the <c>auto</c> backend prefers it.</summary>
    bool HasAccelerator { get; }

    /// <summary>A backend training <paramref name="spec"/> from <paramref name="initial"/> with <paramref name="options"/>' threads and
    /// device.</summary>
    ITrainingBackend Create(VaeSpec spec, StateDict initial, VaeOptions options);
}
