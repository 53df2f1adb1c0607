using System.CommandLine;
using System.CommandLine.Parsing;
using MlNetVae.Cli.Commands;
using MlNetVae.Vae;

namespace MlNetVae.Cli;

/// <summary>
/// The <c>mlnetvae</c> command line. Exit codes: 0 success, 2 bad input or usage (one line on stderr, no
/// stack trace, no output file), 1 an unexpected failure.
/// </summary>
public static class CliApp
{
    /// <summary>Runs one command line with the given output streams (the process's, or a test's).</summary>
    /// <param name="args">The arguments after the program name.</param>
    /// <param name="stdout">Where results (--json) go.</param>
    /// <param name="stderr">Where progress and errors go.</param>
    /// <param name="stderrIsTerminal">Draw a live progress bar (true) or print plain lines (false, e.g. CI or a test).</param>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool stderrIsTerminal)
    {
        var console = new CliConsole(stdout, stderr, stderrIsTerminal);
        var root = new RootCommand("mlnetvae: variational autoencoders for tabular and image data (train, embed, reconstruct, score, evaluate, export, sample, report, demo)");
        foreach (var command in new[]
        {
            TrainCommand.Create(console), EmbedCommand.Create(console), ReconstructCommand.Create(console), ScoreCommand.Create(console),
            EvaluateCommand.Create(console), ExportCommand.Create(console), SampleCommand.Create(console), ReportCommand.Create(console),
            DemoCommand.Create(console),
        })
            root.Subcommands.Add(command);

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
            stderr.WriteLine("mlnetvae: cancelled");
            return 130;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"mlnetvae: internal error: {e.GetType().Name}: {OneLine(e.Message)}");
            return 1;
        }
    }

    /// <summary>Errors caused by the input or the options, as opposed to bugs.</summary>
    private static bool IsUserError(Exception e) =>
        e is UsageException or ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException or TrainingDivergedException;

    /// <summary>A parse error with the option it concerns named first, when the parser's message leaves it out.</summary>
    private static string Describe(ParseError error)
    {
        var option = (error.SymbolResult as OptionResult ?? error.SymbolResult?.Parent as OptionResult)?.Option.Name;
        string message = OneLine(error.Message);
        return option is null || message.Contains(option, StringComparison.Ordinal) ? message : $"{option}: {message}";
    }

    private static string OneLine(string message) => string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
