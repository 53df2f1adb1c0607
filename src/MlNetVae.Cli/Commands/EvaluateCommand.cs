using System.CommandLine;
using MlNetVae.Vae;

namespace MlNetVae.Cli.Commands;

/// <summary><c>evaluate</c>: mean -ELBO and its parts, the IWAE bound, and the active latent units on a data set.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new ModelInput();
        var iwae = CommonOptions.Positive("--iwae", 50, "importance samples for iwae_nll (0 = skip)", allowZero: true);
        var samples = CommonOptions.Positive("--samples", 1, "z draws per row for neg_elbo (0 = at the posterior mean)", allowZero: true);
        var seed = new Option<int>("--seed") { Description = "seed of the draws", DefaultValueFactory = _ => 1 };
        var json = CommonOptions.Json();
        var command = new Command("evaluate", "report mean -ELBO, reconstruction, KL, IWAE -log p(x) and active units") { iwae, samples, seed, json };
        input.AddTo(command);
        command.SetAction(parse =>
        {
            var (model, data) = input.Load(parse);
            int k = parse.GetValue(iwae);
            var scores = model.ScoreDetails(data, new ScoreOptions(Samples: parse.GetValue(samples), IwaeSamples: k, Seed: parse.GetValue(seed)));
            int? active = data.Count >= 2 ? model.Model.Diagnose(data.Rows).ActiveUnits : null;
            var result = new Dictionary<string, object?>
            {
                ["rows"] = data.Count, ["neg_elbo"] = scores.NegElbo.Average(), ["reconstruction"] = scores.Reconstruction.Average(),
                ["kl"] = scores.Kl.Average(), ["iwae_nll"] = scores.IwaeNll?.Average(), ["active_units"] = active,
            };
            if (parse.GetValue(json)) Outputs.Json(console, result);
            else foreach (var (name, value) in result) console.Out.WriteLine($"{name}: {value}");
            return 0;
        });
        return command;
    }
}
