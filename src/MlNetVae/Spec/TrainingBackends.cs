using System.Collections.Concurrent;

namespace MlNetVae.Backends;

/// <summary>
/// The training backends of this process, by name: the library's managed engine, always, and every backend registered
/// here. A backend package registers its own factory with one call (<c>TorchSharpBackend.Register()</c> from
/// MlNetVae.TorchSharp), made by the application; <see cref="VaeOptions.Backend"/> then selects it by name (the
/// training layer resolves the name when a model trains). Anyone can
/// write a backend: implement <see cref="ITrainingBackendFactory"/> over the public primitives (<see cref="IOps{T}"/>,
/// <see cref="Elbo"/>, <see cref="SharedNumerics"/>) and register it.
/// </summary>
public static class TrainingBackends
{
    /// <summary>The name of the library's own engine.</summary>
    public const string Managed = "managed";

    /// <summary>The name that picks a registered backend with a GPU to use when there is one, else the managed engine.</summary>
    public const string Auto = "auto";

    private static readonly ConcurrentDictionary<string, ITrainingBackendFactory> Registered = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Makes <paramref name="factory"/> selectable by its name (replacing a backend registered earlier under that name).</summary>
    /// <exception cref="ArgumentException">The name is empty, or is <c>managed</c> or <c>auto</c>.</exception>
    public static void Register(ITrainingBackendFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (string.IsNullOrWhiteSpace(factory.Name) || Is(factory.Name, Managed) || Is(factory.Name, Auto))
            throw new ArgumentException($"a backend cannot be registered as '{factory.Name}'", nameof(factory));
        Registered[factory.Name] = factory;
    }

    /// <summary>The names <see cref="VaeOptions.Backend"/> accepts now: managed, auto and every registered backend.</summary>
    public static IReadOnlyList<string> Names => [Managed, Auto, .. Registered.Keys.Order(StringComparer.Ordinal)];

    /// <summary>True when two backend names are the same (names ignore case).</summary>
    public static bool Is(string name, string other) => string.Equals(name, other, StringComparison.OrdinalIgnoreCase);

    /// <summary>The backend registered under <paramref name="name"/>, or null.</summary>
    internal static ITrainingBackendFactory? Find(string name) => Registered.TryGetValue(name, out var factory) ? factory : null;

    /// <summary>Every registered backend, in registration order of names.</summary>
    internal static IEnumerable<ITrainingBackendFactory> All => Registered.Values;
}
