namespace MlNetVae.Cli;

/// <summary>The streams a command writes to, and whether stderr can show a live progress bar.</summary>
/// <param name="Out">Results: CSV paths, the --json object.</param>
/// <param name="Error">Progress, notes and errors.</param>
/// <param name="Interactive">stderr is a terminal.</param>
/// <param name="Cancellation">Cancelled on SIGINT or SIGTERM: training stops between steps and nothing is written.</param>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, bool Interactive, CancellationToken Cancellation = default);

/// <summary>Bad usage or input, reported as one line with exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
