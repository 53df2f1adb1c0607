using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MlNetVae.ML;

/// <summary>
/// The host environment behind an ML.NET catalog: its seed and its log. ML.NET's own components reach it through
/// CatalogUtils.GetEnvironment, which is friend-only; every catalog exposes it through the internal interface
/// Microsoft.ML.Data.IInternalCatalog. This is the one read of it, by reflection, guarded: if a new ML.NET moves it, the
/// VAE says so plainly instead of running with a seed and log that are not the context's (a test pins the place).
/// </summary>
internal static class CatalogEnvironment
{
    internal const string Interface = "Microsoft.ML.Data.IInternalCatalog";

    private static readonly PropertyInfo? Environment =
        typeof(TransformsCatalog).Assembly.GetType(Interface)?.GetProperty("Environment", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    /// <summary>The environment of <paramref name="catalog"/> (any catalog of an MLContext).</summary>
    public static IHostEnvironment Of(object catalog) =>
        Environment?.GetValue(catalog) as IHostEnvironment
        ?? throw new InvalidOperationException($"this version of ML.NET no longer keeps a catalog's environment in {Interface}.Environment, where " +
            $"MlNetVae reads the MLContext's seed and log; update MlNetVae");
}
