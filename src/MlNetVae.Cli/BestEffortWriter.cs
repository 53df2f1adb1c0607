using System.Text;

namespace MlNetVae.Cli;

/// <summary>
/// stderr as the process writes it: progress, notes and error lines are for a reader who may not be there, so a stream
/// that cannot be written (a full device, a closed pipe) drops them instead of failing the command. Without this an
/// error line that cannot be printed escapes the handlers and aborts the process (exit 134), even after a successful
/// run. The exit code still says how the command ended.
/// </summary>
internal sealed class BestEffortWriter(TextWriter inner) : TextWriter
{
    private bool _broken;

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value) => Try(() => inner.Write(value));

    public override void Write(string? value) => Try(() => inner.Write(value));

    public override void Write(char[] buffer, int index, int count) => Try(() => inner.Write(buffer, index, count));

    public override void WriteLine(string? value) => Try(() => inner.WriteLine(value));

    public override void Flush() => Try(inner.Flush);

    private void Try(Action write)
    {
        if (_broken) return;
        try
        {
            write();
        }
        catch (IOException)
        {
            // Nothing more will get through: stop trying, keep running.
            _broken = true;
        }
    }
}
