using System.Reflection;
using MlNetVae.Spec;

namespace MlNetVae.Training;

/// <summary>
/// Finds the backend <see cref="VaeOptions.Backend"/> asks for. The TorchSharp backend lives in its own package
/// (MlNetVae.TorchSharp, so apps that do not want libtorch do not carry it); it is found by name when that
/// assembly is referenced.
/// </summary>
internal static class TrainingBackends
{
    private const string TorchSharpFactory = "MlNetVae.TorchSharp.TorchSharpBackendFactory, MlNetVae.TorchSharp";

    /// <summary>The factory for <paramref name="options"/>; throws <see cref="ArgumentException"/> when the TorchSharp backend is asked for but absent.</summary>
    public static ITrainingBackendFactory Resolve(VaeOptions options)
    {
        switch (options.Backend)
        {
            case TrainingBackend.Managed:
                return new ManagedBackend.Factory();
            case TrainingBackend.TorchSharp:
                return TorchSharp() ?? throw new ArgumentException(
                    "VaeOptions.Backend: the torchsharp backend needs the MlNetVae.TorchSharp package; add a reference to it (dotnet add package MlNetVae.TorchSharp)", nameof(VaeOptions.Backend));
            case TrainingBackend.Auto when options.Device is not null and not "cpu":
                // A CUDA device asked for by name is a request for TorchSharp, whose factory reports a missing GPU;
                // training on the CPU instead would hide the mistake.
                return TorchSharp() ?? throw new ArgumentException(
                    $"VaeOptions.Device: the device '{options.Device}' needs the torchsharp backend, from the MlNetVae.TorchSharp package; add a reference to it (dotnet add package MlNetVae.TorchSharp)", nameof(VaeOptions.Device));
            default:
                // Auto: TorchSharp only where it has a GPU to offer; on CPUs the managed engine is faster (README, benchmarks).
                var torch = options.Device is null ? TorchSharp() : null;
                return torch is { HasAccelerator: true } ? torch : new ManagedBackend.Factory();
        }
    }

    private static ITrainingBackendFactory? TorchSharp()
    {
        Type? type;
        try
        {
            type = Type.GetType(TorchSharpFactory, throwOnError: false);
        }
        catch (Exception e) when (e is FileLoadException or BadImageFormatException)
        {
            return null;
        }
        return type is null ? null : (ITrainingBackendFactory?)Activator.CreateInstance(type);
    }
}
