using System.CommandLine;
using MlNetVae.Cli.Data;
using MlNetVae.Inference;

namespace MlNetVae.Cli.Commands;

/// <summary><c>evaluate</c>: mean -ELBO and its parts, the IWAE bound, and the active latent units on a data set, streamed in blocks.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new ModelInput();
        var iwae = CommonOptions.Count("--iwae", 50, "importance samples for iwae_nll (0 = skip)");
        var samples = CommonOptions.Count("--samples", 1, "z draws per row for neg_elbo (0 = at the posterior mean)");
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var command = new Command("evaluate", "report mean -ELBO, reconstruction, KL, IWAE -log p(x) and active units") { iwae, samples, seed, json };
        input.AddTo(command);
        command.SetAction(parse =>
        {
            int k = CommonOptions.Checked(parse, iwae, 0, 100_000), s = CommonOptions.Checked(parse, samples, 0, 10_000);
            var (model, data) = input.Load(parse);
            var inference = new VaeInference(model.Model, model.Options.Threads);
            int block = 0;
            double reconstruction = 0, kl = 0, iw = 0;
            var activity = new LatentActivity(inference);
            long rows = 0;
            foreach (var chunk in ColumnChunks.Read(data.View, ColumnChunks.BlockRows, RowsDataView.FeaturesColumn))
            {
                console.Cancellation.ThrowIfCancellationRequested();
                var x = chunk[RowsDataView.FeaturesColumn];
                int blockSeed = ColumnChunks.BlockSeed(parse.GetValue(seed), block++);
                var (r, q) = inference.Elbo(x, s, blockSeed);
                reconstruction += r.Sum();
                kl += q.Sum();
                if (k > 0) iw += inference.IwaeNll(x, k, blockSeed).Sum();
                activity.Add(x);
                rows += chunk.Rows;
            }
            var result = new Dictionary<string, object?>
            {
                ["rows"] = rows, ["neg_elbo"] = (reconstruction + kl) / rows, ["reconstruction"] = reconstruction / rows,
                ["kl"] = kl / rows, ["iwae_nll"] = k > 0 ? iw / rows : null, ["active_units"] = rows >= 2 ? activity.Result().ActiveUnits : null,
            };
            if (parse.GetValue(json)) Outputs.Json(console, result);
            else foreach (var (name, value) in result) console.Out.WriteLine($"{name}: {value}");
            return 0;
        });
        return command;
    }
}
