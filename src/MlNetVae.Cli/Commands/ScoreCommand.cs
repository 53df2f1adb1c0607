using System.CommandLine;
using MlNetVae.Vae;

namespace MlNetVae.Cli.Commands;

/// <summary>
/// <c>score</c>: <c>row,score,neg_elbo,reconstruction,kl[,iwae_nll][,is_anomaly]</c>. <c>score</c> is the model's
/// default anomaly score (what scorer.onnx outputs); the other columns use --samples and --iwae.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new ModelInput();
        var output = CommonOptions.Out("the CSV to write: row,score,neg_elbo,reconstruction,kl[,iwae_nll][,is_anomaly]");
        var samples = CommonOptions.Positive("--samples", 0, "z draws per row for neg_elbo (0 = at the posterior mean, deterministic)", allowZero: true);
        var iwae = CommonOptions.Positive("--iwae", 0, "importance samples for the iwae_nll column (0 = no column)", allowZero: true);
        var seed = new Option<int>("--seed") { Description = "seed of the draws", DefaultValueFactory = _ => 1 };
        var json = CommonOptions.Json();
        var command = new Command("score", "write each row's anomaly score (higher = more unusual) and its ELBO parts") { output, samples, iwae, seed, json };
        input.AddTo(command);
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            Outputs.CheckFile(outPath);
            var (model, data) = input.Load(parse);
            int k = parse.GetValue(iwae);
            var score = model.Score(data);
            var parts = model.ScoreDetails(data, new ScoreOptions(Samples: parse.GetValue(samples), IwaeSamples: k, Seed: parse.GetValue(seed)));
            var threshold = model.Threshold;
            var header = new List<string> { "row", "score", "neg_elbo", "reconstruction", "kl" };
            if (k > 0) header.Add("iwae_nll");
            if (threshold is not null) header.Add("is_anomaly");
            Outputs.WriteCsv(outPath, header, score.Length, (r, cells) =>
            {
                cells.AddRange([r.ToString(), Outputs.Number(score[r]), Outputs.Number(parts.NegElbo[r]), Outputs.Number(parts.Reconstruction[r]), Outputs.Number(parts.Kl[r])]);
                if (k > 0) cells.Add(Outputs.Number(parts.IwaeNll![r]));
                if (threshold is not null) cells.Add(threshold.IsAnomaly(score[r]) ? "1" : "0");
            });
            int flagged = threshold is null ? 0 : score.Count(threshold.IsAnomaly);
            console.Error.WriteLine($"scored {score.Length} rows{(threshold is null ? "" : $"; {flagged} above the threshold {threshold.Value:G6}")}: {outPath}");
            if (parse.GetValue(json)) Outputs.Json(console, new { rows = score.Length, anomalies = threshold is null ? (int?)null : flagged, mean_score = score.Average(), @out = outPath });
            return 0;
        });
        return command;
    }
}
