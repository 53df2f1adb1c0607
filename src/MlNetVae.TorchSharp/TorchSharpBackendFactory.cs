using MlNetVae.Backends;
using static TorchSharp.torch;

namespace MlNetVae.TorchSharp;

/// <summary>
/// Creates TorchSharp (libtorch) training backends; <see cref="TorchSharpBackend.Register"/> registers it, and the
/// <c>auto</c> backend picks it when <see cref="HasAccelerator"/> is true.
/// </summary>
internal sealed class TorchSharpBackendFactory : ITrainingBackendFactory
{
    /// <summary>Creates the factory; libtorch is loaded on first use, not here.</summary>
    public TorchSharpBackendFactory() { }

    /// <summary>Always <c>torchsharp</c>.</summary>
    public string Name => TorchSharpBackend.Name;

    /// <summary>
    /// True when libtorch loads and sees a CUDA device. A libtorch that does not load has no GPU to offer, so Auto
    /// then trains with the managed engine; asking for this backend by name reports the load failure instead.
    /// </summary>
    public bool HasAccelerator
    {
        get
        {
            try
            {
                TorchRuntime.Initialize();
            }
            catch (InvalidOperationException)
            {
                return false;
            }
            return cuda.is_available();
        }
    }

    /// <summary>
    /// A backend for <paramref name="spec"/> starting from <paramref name="initial"/>, on <see cref="VaeOptions.Device"/>
    /// (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>; null = CUDA when available, else the CPU), with
    /// <see cref="VaeOptions.Threads"/> libtorch threads (0 = all cores; libtorch's thread count is per process).
    /// </summary>
    /// <exception cref="ArgumentException">A CUDA device was asked for that this machine does not have, or the state dict does not fit the spec.</exception>
    /// <exception cref="InvalidOperationException">libtorch did not load (the message names the library and the fix).</exception>
    public ITrainingBackend Create(VaeSpec spec, StateDict initial, VaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(options);
        TorchRuntime.Initialize(options.Threads == 0 ? Environment.ProcessorCount : options.Threads);
        return new TorchBackend(spec, initial, options, TorchDevice.Resolve(options.Device));
    }
}
