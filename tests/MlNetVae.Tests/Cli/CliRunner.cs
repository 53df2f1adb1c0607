using MlNetVae.Cli;

namespace MlNetVae.Tests.Cli;

/// <summary>Runs the CLI in-process through its entry method, capturing stdout and stderr (plain progress lines).</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr, stderrIsTerminal: false);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
