using TorchSharp;
using static TorchSharp.torch;

namespace MlNetVae.TorchSharp;

/// <summary>
/// <see cref="VaeOptions.Device"/> as a libtorch device, chosen the way TorchSharp documents it: ask
/// <c>torch.cuda.is_available()</c> (and <c>device_count()</c>), then build the device with <c>torch.device("cuda:N")</c>.
/// </summary>
internal static class TorchDevice
{
    /// <summary>
    /// <c>cpu</c>, <c>cuda</c> (the current CUDA device) or <c>cuda:N</c>; null means CUDA when available, else the CPU.
    /// libtorch must be loaded (<see cref="TorchRuntime.Initialize"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A malformed name, or a CUDA device this machine does not have.</exception>
    public static Device Resolve(string? device)
    {
        if (device is null) return cuda.is_available() ? CUDA : CPU;
        if (device == "cpu") return CPU;
        int index = device == "cuda" ? 0
            : device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), out int n) && n >= 0 ? n
            : throw new ArgumentException($"VaeOptions.Device: expected cpu, cuda or cuda:N, got '{device}'", nameof(VaeOptions.Device));
        // Checked here because torch.device("cuda") on a machine without CUDA throws an InvalidOperationException
        // carrying a page of native-library probing that never says the plain fact.
        if (!cuda.is_available())
            throw new ArgumentException(
                $"VaeOptions.Device: '{device}' was asked for, but no CUDA device is available here (torch.cuda.is_available() is false: no NVIDIA GPU " +
                    $"or driver is visible, or the application references TorchSharp-cpu rather than TorchSharp-cuda-linux / TorchSharp-cuda-windows); " +
                        $"use cpu or leave Device unset",
                nameof(VaeOptions.Device));
        int count = cuda.device_count();
        if (index >= count)
            throw new ArgumentException($"VaeOptions.Device: '{device}' was asked for, but this machine has {count} CUDA device(s), cuda:0 to " +
                $"cuda:{count - 1}", nameof(VaeOptions.Device));
        return torch.device(device);
    }
}
