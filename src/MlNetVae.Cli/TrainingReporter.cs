using MlNetVae.Training;
using Spectre.Console;

namespace MlNetVae.Cli;

/// <summary>
/// Shows training progress on stderr: a live Spectre.Console bar with loss, KL and ETA on a terminal, or one plain
/// line per epoch otherwise (CI logs, pipes, tests), where redrawn bars would be noise. The passes outside the epochs
/// (reading the rows, scoring them after training) show the rows read: on the bar as they come, as plain lines every
/// million rows.
/// </summary>
internal static class TrainingReporter
{
    /// <summary>Runs <paramref name="train"/>, giving it the progress sink that fits the console.</summary>
    public static T Run<T>(CliConsole console, int epochs, Func<IProgress<TrainingProgress>, T> train)
    {
        if (!console.Interactive) return train(new PlainLines(console.Error));
        var terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Error) });
        return terminal.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training", maxValue: epochs);
                return train(new Bar(task));
            });
    }

    private static string Line(TrainingProgress p)
    {
        string validation = p.ValidationNegElbo is double v ? $"  val -ELBO {v:F3}" : "";
        return $"epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:F3}  KL {p.Kl:F3}{validation}  {p.SamplesPerSecond:F0} rows/s  ETA {Eta(p):mm\\:ss}";
    }

    /// <summary>A pass outside the epochs: what it does and how many rows it has read.</summary>
    private static string Pass(TrainingProgress p) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{(p.Phase == TrainingPhase.Scoring ? "scoring" : "reading")} rows: {p.RowsRead:N0}");

    private static TimeSpan Eta(TrainingProgress p)
    {
        double done = p.Epoch - 1 + p.Step / (double)p.StepsPerEpoch;
        return done <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(p.Elapsed.TotalSeconds * (p.Epochs - done) / done);
    }

    private sealed class PlainLines(TextWriter error) : IProgress<TrainingProgress>
    {
        private const long RowsPerLine = 1_000_000;
        private long _printed;

        public void Report(TrainingProgress value)
        {
            if (value.Epoch > 0)
            {
                _printed = 0;
                if (value.Step == value.StepsPerEpoch) error.WriteLine(Line(value));
            }
            else if (value.RowsRead / RowsPerLine > _printed / RowsPerLine || value.RowsRead < _printed)
            {
                if (value.RowsRead >= RowsPerLine) error.WriteLine(Pass(value));
                _printed = value.RowsRead;
            }
        }
    }

    private sealed class Bar(ProgressTask task) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Epoch == 0)
            {
                task.Description = Markup.Escape(Pass(value));
                return;
            }
            task.Value = value.Epoch - 1 + value.Step / (double)value.StepsPerEpoch;
            task.Description = Markup.Escape($"epoch {value.Epoch}/{value.Epochs}  loss {value.Loss:F3}  KL {value.Kl:F3}");
        }
    }
}
