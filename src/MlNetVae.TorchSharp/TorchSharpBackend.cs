using MlNetVae.Backends;

namespace MlNetVae.TorchSharp;

/// <summary>
/// The TorchSharp (libtorch) training backend. Call <see cref="Register"/> once at start-up; then
/// <c>VaeOptions.Backend = "torchsharp"</c> trains with libtorch on the CPU or a CUDA device (<c>VaeOptions.Device</c>),
/// and <c>"auto"</c> picks it where libtorch sees a CUDA device.
/// </summary>
public static class TorchSharpBackend
{
    /// <summary>The backend's name in <c>VaeOptions.Backend</c> and in training results.</summary>
    public const string Name = "torchsharp";

    /// <summary>Registers the backend (idempotent); libtorch is loaded when a model first trains on it, not here.</summary>
    public static void Register() => TrainingBackends.Register(new TorchSharpBackendFactory());
}
