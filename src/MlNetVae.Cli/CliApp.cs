using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using MlNetVae.Cli.Commands;
using MlNetVae.Training;

namespace MlNetVae.Cli;

/// <summary>
/// The <c>mlnetvae</c> command line. Exit codes: 0 success, 2 bad input or usage (one line on stderr, no stack trace,
/// no output file), 130 interrupted (SIGINT or SIGTERM: nothing half-written is left), 1 an unexpected failure.
/// </summary>
public static class CliApp
{
    private static readonly string[] Commands = ["train", "embed", "reconstruct", "score", "evaluate", "export", "sample", "report", "demo"];

    /// <summary>Runs one command line with the given output streams (the process's, or a test's).</summary>
    /// <param name="args">The arguments after the program name.</param>
    /// <param name="stdout">Where results (--json) go.</param>
    /// <param name="stderr">Where progress and errors go.</param>
    /// <param name="stderrIsTerminal">Draw a live progress bar (true) or print plain lines (false, e.g. CI or a test).</param>
    /// <param name="cancellation">Stops the command between steps (the process wires SIGINT and SIGTERM to it).</param>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool stderrIsTerminal, CancellationToken cancellation = default)
    {
        var console = new CliConsole(stdout, stderr, stderrIsTerminal, cancellation);
        var root = new RootCommand("mlnetvae: variational autoencoders for tabular and image data (train, embed, reconstruct, score, evaluate, export, " +
            "sample, report, demo)");
        foreach (var command in new[]
        {
            TrainCommand.Create(console), EmbedCommand.Create(console), ReconstructCommand.Create(console), ScoreCommand.Create(console),
            EvaluateCommand.Create(console), ExportCommand.Create(console), SampleCommand.Create(console), ReportCommand.Create(console),
            DemoCommand.Create(console),
        })
            root.Subcommands.Add(command);

        if (args.Length > 0 && !args[0].StartsWith('-') && !Commands.Contains(args[0]))
        {
            stderr.WriteLine($"mlnetvae: error: unknown command {Excerpt.Quoted(args[0])}; the commands are {string.Join(", ",
                Commands)} (see mlnetvae --help)");
            return 2;
        }
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            stderr.WriteLine($"mlnetvae: error: {Describe(parsed.Errors[0])} (see mlnetvae --help)");
            return 2;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsUserError(e))
        {
            stderr.WriteLine($"mlnetvae: error: {OneLine(e.Message)}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("mlnetvae: interrupted; nothing was written");
            return 130;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"mlnetvae: internal error: {e.GetType().Name}: {OneLine(e.Message)}");
            return 1;
        }
    }

    /// <summary>The process entry: SIGINT and SIGTERM cancel the running command instead of killing it mid-write.</summary>
    public static int Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            cancel.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return Run(args, Console.Out, new BestEffortWriter(Console.Error), stderrIsTerminal: !Console.IsErrorRedirected, cancel.Token);
    }

    /// <summary>Errors caused by the input or the options, as opposed to bugs.</summary>
    private static bool IsUserError(Exception e) =>
        e is UsageException or ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException
            or TrainingDivergedException or FormatException;

    /// <summary>A parse error with the option it concerns named first, when the parser's message leaves it out.</summary>
    private static string Describe(ParseError error)
    {
        var option = (error.SymbolResult as OptionResult ?? error.SymbolResult?.Parent as OptionResult)?.Option.Name;
        string message = OneLine(error.Message);
        return option is null || message.Contains(option, StringComparison.Ordinal) ? message : $"{option}: {message}";
    }

    /// <summary>
    /// The message on one line, and at most 2,000 characters of it: the CLI's own messages quote only short excerpts
    /// of input values (<see cref="Excerpt"/>), and this bounds the rest (a library or runtime message quoting a value).
    /// </summary>
    private static string OneLine(string message)
    {
        string line = string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= MaxLine ? line : line[..MaxLine] + "... (cut)";
    }

    private const int MaxLine = 2000;
}
