using MlNetVae.Training;
using Spectre.Console;

namespace MlNetVae.Cli;

/// <summary>
/// Shows training progress on stderr: a live Spectre.Console bar with loss, KL and ETA on a terminal, or one plain
/// line per epoch otherwise (CI logs, pipes, tests), where redrawn bars would be noise.
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

    private static TimeSpan Eta(TrainingProgress p)
    {
        double done = p.Epoch - 1 + p.Step / (double)p.StepsPerEpoch;
        return done <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(p.Elapsed.TotalSeconds * (p.Epochs - done) / done);
    }

    private sealed class PlainLines(TextWriter error) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Step == value.StepsPerEpoch) error.WriteLine(Line(value));
        }
    }

    private sealed class Bar(ProgressTask task) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Epoch == 0)
            {
                task.Description = Markup.Escape($"reading rows: {value.Step}");
                return;
            }
            task.Value = value.Epoch - 1 + value.Step / (double)value.StepsPerEpoch;
            task.Description = Markup.Escape($"epoch {value.Epoch}/{value.Epochs}  loss {value.Loss:F3}  KL {value.Kl:F3}");
        }
    }
}
