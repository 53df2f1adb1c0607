using System.CommandLine;
using System.Globalization;
using MlNetVae.Pipeline;
using MlNetVae.Vae;

namespace MlNetVae.Cli.Commands;

/// <summary><c>train</c>: fits a VAE on a CSV or IDX file and saves it as one .vae file.</summary>
internal static class TrainCommand
{
    /// <summary>The training flags by the <see cref="VaeOptions"/> property they set, so option errors name the flag.</summary>
    private static readonly Dictionary<string, string> Flags = new()
    {
        [nameof(VaeOptions.EncoderHidden)] = "--hidden", [nameof(VaeOptions.DecoderHidden)] = "--hidden", [nameof(VaeOptions.LatentSize)] = "--latent",
        [nameof(VaeOptions.Epochs)] = "--epochs", [nameof(VaeOptions.BatchSize)] = "--batch", [nameof(VaeOptions.LearningRate)] = "--lr",
        [nameof(VaeOptions.Beta)] = "--beta", [nameof(VaeOptions.WarmupEpochs)] = "--warmup", [nameof(VaeOptions.FreeBits)] = "--free-bits",
        [nameof(VaeOptions.ValidationFraction)] = "--val-fraction", [nameof(VaeOptions.Patience)] = "--patience", [nameof(VaeOptions.Threads)] = "--threads",
    };

    public static Command Create(CliConsole console)
    {
        var data = CommonOptions.Data();
        var labels = CommonOptions.Labels();
        var keepClass = CommonOptions.Class();
        var labelColumn = CommonOptions.LabelColumn();
        var output = CommonOptions.Out("where to write the model (.vae)");
        var likelihood = new Option<string>("--likelihood") { Description = "p(x|z) of numeric features: bernoulli (values in [0, 1]), gaussian, or auto", DefaultValueFactory = _ => "auto" };
        likelihood.AcceptOnlyFromAmong("bernoulli", "gaussian", "auto");
        var hidden = new Option<string>("--hidden") { Description = "hidden layer widths of the encoder, comma-separated (the decoder mirrors them)", DefaultValueFactory = _ => "400" };
        var latent = new Option<int>("--latent") { Description = "latent dimensions", DefaultValueFactory = _ => 20 };
        var epochs = new Option<int>("--epochs") { Description = "passes over the data", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch") { Description = "rows per mini-batch", DefaultValueFactory = _ => 128 };
        var lr = new Option<float>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 1e-3f };
        var beta = new Option<float>("--beta") { Description = "weight of the KL term", DefaultValueFactory = _ => 1f };
        var warmup = new Option<int>("--warmup") { Description = "epochs of linear KL warm-up (0 = off)" };
        var freeBits = new Option<float>("--free-bits") { Description = "KL floor per latent dimension, in nats (0 = off)" };
        var valFraction = new Option<float>("--val-fraction") { Description = "fraction of rows held out for the validation -ELBO" };
        var patience = new Option<int>("--patience") { Description = "early stopping after this many epochs without improvement (0 = off)" };
        var seed = new Option<int>("--seed") { Description = "seed of every random choice", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "training threads (0 = all cores)" };
        var contamination = new Option<double?>("--contamination") { Description = "expected fraction of anomalies in the training rows: sets the anomaly threshold" };
        var json = CommonOptions.Json();

        var command = new Command("train", "fit a VAE on a CSV or IDX file and save it as one .vae file")
        {
            data, labels, keepClass, labelColumn, output, likelihood, hidden, latent, epochs, batch, lr, beta, warmup, freeBits,
            valFraction, patience, seed, threads, contamination, json,
        };
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            Outputs.CheckFile(outPath);
            var options = Options(() => new VaeOptions
            {
                EncoderHidden = Widths(parse.GetValue(hidden)!),
                Likelihood = Enum.Parse<LikelihoodKind>(parse.GetValue(likelihood)!, ignoreCase: true),
                LatentSize = parse.GetValue(latent), Epochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr), Beta = parse.GetValue(beta), WarmupEpochs = parse.GetValue(warmup),
                FreeBits = parse.GetValue(freeBits), ValidationFraction = parse.GetValue(valFraction), Patience = parse.GetValue(patience),
                Seed = parse.GetValue(seed), Threads = parse.GetValue(threads),
            });
            double? fraction = parse.GetValue(contamination);
            if (fraction is double f && !(f > 0 && f < 1)) throw new UsageException($"--contamination must lie strictly between 0 and 1, got {f}");

            var rows = DataLoader.ForTraining(parse.GetValue(data)!, parse.GetValue(labels), parse.GetValue(keepClass), parse.GetValue(labelColumn));
            var estimator = new VaeEstimator(options) { Contamination = fraction };
            var model = TrainingReporter.Run(console, options.Epochs, progress => estimator.Fit(rows, progress));
            model.Save(outPath);

            var result = model.Training!;
            console.Error.WriteLine($"trained on {rows.Count} rows x {rows.Features} features in {result.Seconds:F1} s; train -ELBO {result.TrainNegElbo:F3}; saved {outPath}");
            if (parse.GetValue(json))
                Outputs.Json(console, new Dictionary<string, object?>
                {
                    ["epochs"] = result.History.Count, ["seconds"] = result.Seconds, ["samples_per_second"] = result.SamplesPerSecond,
                    ["train_neg_elbo"] = result.TrainNegElbo, ["val_neg_elbo"] = result.ValidationNegElbo,
                    ["threshold"] = model.Threshold?.Value, ["model"] = outPath,
                });
            return 0;
        });
        return command;
    }

    /// <summary>Builds and validates the options, turning a property name in the error into the flag that sets it.</summary>
    private static VaeOptions Options(Func<VaeOptions> build)
    {
        var options = build();
        try
        {
            options.Validate();
        }
        catch (ArgumentException e) when (e.ParamName is { } name && Flags.TryGetValue(name, out var flag))
        {
            string reason = e.Message.Split(": ", 2)[^1].Split(" (Parameter", 2)[0];
            throw new UsageException($"{flag}: {reason}");
        }
        return options;
    }

    private static int[] Widths(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out widths[i]) || widths[i] <= 0)
                throw new UsageException($"--hidden: expected positive widths separated by commas (e.g. 400,200), found '{text}'");
        return widths;
    }
}
