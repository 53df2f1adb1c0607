using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MlNetVae.Cli;

/// <summary>The streams a command writes to, and whether stderr can show a live progress bar.</summary>
/// <param name="Out">Results: CSV paths, the --json object.</param>
/// <param name="Error">Progress, notes and errors.</param>
/// <param name="Interactive">stderr is a terminal.</param>
/// <param name="Cancellation">Cancelled on SIGINT or SIGTERM: training stops between steps and nothing is written.</param>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, bool Interactive, CancellationToken Cancellation = default)
{
    /// <summary>The seed of a command line that sets none: runs repeat exactly.</summary>
    public const int DefaultSeed = 1;

    /// <summary>
    /// The VAE estimator for <paramref name="options"/> (seed <see cref="DefaultSeed"/> unless set), made through the ML.NET
    /// catalog as an app makes it, on an MLContext whose warnings this console prints.
    /// </summary>
    public VaeEstimator Estimator(VaeOptions options)
    {
        var ml = new MLContext(DefaultSeed);
        ml.Log += (_, e) =>
        {
            if (e.Kind == ChannelMessageKind.Warning) Error.WriteLine($"mlnetvae: warning: {e.RawMessage}");
        };
        return ml.AnomalyDetection.Trainers.VariationalAutoencoder(options with { Seed = options.Seed ?? DefaultSeed });
    }
}

/// <summary>Bad usage or input, reported as one line with exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
