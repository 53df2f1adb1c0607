namespace MlNetVae.Training;

/// <summary>Which backend trains a model: the name in <see cref="VaeOptions.Backend"/>, resolved against the registered ones.</summary>
internal static class BackendResolver
{
    /// <summary>The factory <paramref name="options"/> select; an <see cref="ArgumentException"/> names a backend that is not registered.</summary>
    public static ITrainingBackendFactory Resolve(VaeOptions options)
    {
        string name = options.Backend;
        if (TrainingBackends.Is(name, TrainingBackends.Managed)) return new ManagedBackend.Factory();
        if (!TrainingBackends.Is(name, TrainingBackends.Auto))
            return TrainingBackends.Find(name) ?? throw new ArgumentException(
                $"VaeOptions.Backend: no backend named '{name}' is registered (registered: {string.Join(", ", TrainingBackends.Names)}); for " +
                    $"torchsharp, add the MlNetVae.TorchSharp package and call TorchSharpBackend.Register() once", nameof(VaeOptions.Backend));
        // A CUDA device asked for by name is a request for a backend that has one: training on the CPU instead would hide the mistake.
        if (options.Device is not null and not "cpu")
            return TrainingBackends.All.FirstOrDefault() ?? throw new ArgumentException(
                $"VaeOptions.Device: the device '{options.Device}' needs a GPU backend; add the MlNetVae.TorchSharp package and call " +
                    $"TorchSharpBackend.Register() once", nameof(VaeOptions.Device));
        // Auto: a registered backend only where it has a GPU to offer; on CPUs the managed engine is faster (README, benchmarks).
        return TrainingBackends.All.FirstOrDefault(f => f.HasAccelerator) ?? new ManagedBackend.Factory();
    }
}
