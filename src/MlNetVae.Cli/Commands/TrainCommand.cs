using System.CommandLine;
using MlNetVae.Cli.Data;
using MlNetVae.ML;
using MlNetVae.Spec;

namespace MlNetVae.Cli.Commands;

/// <summary>
/// <c>train</c>: fits a VAE on a CSV or IDX file with the library's ML.NET estimator and saves the model file. Every
/// setting of <see cref="VaeOptions"/> that has a flag is a flag here, generated from its one description
/// (<see cref="OptionCatalog"/>): name, help, parsing and range come from there.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(CliConsole console)
    {
        var data = CommonOptions.Data();
        var labels = CommonOptions.Labels();
        var keepClass = CommonOptions.Class();
        var labelColumn = CommonOptions.LabelColumn();
        var output = CommonOptions.Out("where to write the model (an ML.NET model .zip, readable by mlContext.Model.Load)");
        var json = CommonOptions.Json();
        var signKey = new Option<string?>("--sign-key")
        {
            Description = "a PEM private key (ECDSA P-256) to sign the model with; services and --verify-key then accept only models it signed",
        };
        var defaults = new VaeOptions();
        var flags = OptionCatalog.All.Where(o => o.Attribute.Flag is not null)
            .Select(o => (Info: o, Flag: new Option<string?>("--" + o.Attribute.Flag) { Description = Help(o, defaults) }))
            .ToArray();

        var command = new Command("train", "fit a VAE on a CSV or IDX file and save it as one model file") { data, labels, keepClass, labelColumn,
            output, signKey, json };
        foreach (var (_, flag) in flags) command.Options.Add(flag);
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            Outputs.CheckFile(outPath, [parse.GetValue(data), parse.GetValue(labels)]);
            var options = OptionCatalog.With(defaults, flags.Where(f => parse.GetValue(f.Flag) is not null)
                .Select(f => (f.Info, Parsed(f.Info, parse.GetValue(f.Flag)!))));
            // Settings are checked before the data is read: a bad flag fails at once, even on a large file.
            options = Validated(options, flags);
            using var key = parse.GetValue(signKey) is string keyPath ? PemKey.Read(keyPath, signKey.Name, signing: true) : null;
            var dataset = Dataset.Open(parse.GetValue(data)!, parse.GetValue(labels), parse.GetValue(keepClass), parse.GetValue(labelColumn));
            foreach (var warning in dataset.Warnings) console.Error.WriteLine($"mlnetvae: warning: {warning}");
            if (dataset.Csv is { } csv) options = options with { CategoricalGroups = csv.CategoricalGroups.ToArray() };
            // IDX images declare their shape, so the image architecture (convolutions) is picked with no flag.
            if (dataset.ImageShape is var (h, w) && options.ImageShape is null) options = options with { ImageShape = [1, h, w] };

            var estimator = console.Estimator(options);
            // Rows beyond the memory budget train in passes over a copy of the rows in a temporary file, in the model's
            // folder rather than a temporary folder that may be small or held in memory.
            estimator.CacheFolder = Path.GetDirectoryName(Path.GetFullPath(outPath))!;
            long bytes = (dataset.Rows ?? 0) * dataset.Features * 4L;
            string passes = options.DiskCache ? $"over a copy of the rows in a temporary file in {estimator.CacheFolder}, gone at the end" : "over the file";
            if (bytes > (long)options.MemoryBudgetMegabytes << 20)
                console.Error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"mlnetvae: {dataset.Rows:N0} rows x {dataset.Features:N0} features ({bytes / 1048576.0:N0} MB as float32) exceed " +
                    $"--memory-budget {options.MemoryBudgetMegabytes} MB: training in passes {passes}"));
            var model = TrainingReporter.Run(console, options.Epochs, progress => estimator.Fit(dataset.View, progress, console.Cancellation))
                .WithMetadata(ModelMetadata.For(dataset));
            // A signal that arrived after the last step, even one the training loop never saw, stops the save.
            ModelFile.Save(model, outPath, key, console.Cancellation);

            var result = model.Training!;
            console.Error.WriteLine($"trained on {result.History.Count} epochs, {dataset.Features} features in {result.Seconds:F1} s; train -ELBO " +
                $"{result.TrainNegElbo:F3}; threshold {model.Threshold.Value:G6}; saved {outPath}{(key is null ? "" : ", signed")}");
            if (parse.GetValue(json))
                Outputs.Json(console, new Dictionary<string, object?>
                {
                    ["epochs"] = result.History.Count, ["seconds"] = result.Seconds, ["samples_per_second"] = result.SamplesPerSecond,
                    ["train_neg_elbo"] = result.TrainNegElbo, ["val_neg_elbo"] = result.ValidationNegElbo,
                    ["threshold"] = model.Threshold.Value, ["backend"] = result.Backend, ["model"] = outPath,
                });
            return 0;
        });
        return command;
    }

    private static string Help(OptionInfo o, VaeOptions defaults)
    {
        var value = o.Property.GetValue(defaults);
        string shown = value switch
        {
            null => "",
            int[] a => $" [default: {string.Join(",", a)}]",
            Enum e => $" [default: {e.ToString().ToLowerInvariant()}]",
            IFormattable f => $" [default: {f.ToString(null, System.Globalization.CultureInfo.InvariantCulture)}]",
            _ => $" [default: {value}]",
        };
        return o.Attribute.Description + shown;
    }

    /// <summary>One flag's text parsed into its property's type; a malformed value is a usage error naming the flag.</summary>
    private static object? Parsed(OptionInfo info, string text)
    {
        try
        {
            return OptionCatalog.Parse(info, text);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>Validates, turning a property name in the error into the flag that sets it.</summary>
    private static VaeOptions Validated(VaeOptions options, (OptionInfo Info, Option<string?> Flag)[] flags)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException e) when (flags.FirstOrDefault(f => f.Info.Name == e.ParamName).Flag is { } flag)
        {
            string reason = e.Message.Split(": ", 2)[^1].Split(" (Parameter", 2)[0];
            throw new UsageException($"{flag.Name}: {reason}");
        }
        return options;
    }
}
