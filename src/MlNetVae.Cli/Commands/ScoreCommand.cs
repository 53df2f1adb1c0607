using System.CommandLine;
using System.Globalization;
using MlNetVae.Cli.Data;
using MlNetVae.Graph;
using MlNetVae.Inference;

namespace MlNetVae.Cli.Commands;

/// <summary>
/// <c>score</c>: <c>row,score,neg_elbo,reconstruction,kl[,iwae_nll],is_anomaly[,top1,top1_share,...,latent_share]</c>.
/// <c>score</c> and <c>is_anomaly</c> come from the model's ML.NET transformer (its Score and PredictedLabel columns, what
/// scorer.onnx computes); the ELBO parts are at the posterior mean, or averaged over <c>--samples</c> draws; with
/// <c>--explain K</c>, the K features with the largest contributions to the score (its FeatureContributions column), each as
/// its name and its share in score units, then the part no feature owns (LatentContribution). Rows stream through in
/// blocks: memory stays constant.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new ModelInput();
        var output = CommonOptions.Out("the CSV to write: row,score,neg_elbo,reconstruction,kl[,iwae_nll],is_anomaly");
        var samples = CommonOptions.Count("--samples", 0, "z draws per row for neg_elbo (0 = at the posterior mean, deterministic)");
        var iwae = CommonOptions.Count("--iwae", 0, "importance samples for the iwae_nll column (0 = no column)");
        var explain = CommonOptions.Count("--explain", 0, "per row, the K features that contribute most to the score, as name and share " +
            "(columns top1,top1_share,...,latent_share; 0 = none)");
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var command = new Command("score", "write each row's anomaly score (higher = more unusual), its ELBO parts and its flag") { output, samples,
            iwae, explain, seed, json };
        input.AddTo(command);
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            Outputs.CheckFile(outPath, input.Paths(parse));
            int s = CommonOptions.Checked(parse, samples, 0, 10_000), k = CommonOptions.Checked(parse, iwae, 0, 100_000);
            int top = CommonOptions.Checked(parse, explain, 0, InputLimits.MaxFeatures);
            int baseSeed = parse.GetValue(seed);
            var (model, data) = input.Load(parse);
            var o = model.Options;
            var names = ModelMetadata.Of(model).ExplainedNames(ExplainedFeatures.Count(model.Model.Spec));
            top = Math.Min(top, names.Count);
            var columns = VaeColumns.Score | VaeColumns.PredictedLabel | (top > 0 ? VaeColumns.Contributions : VaeColumns.None);
            var scored = model.WithOptions(x => x with { OutputColumns = columns }).Transform(data.View);
            string[] read = top > 0
                ? [RowsDataView.FeaturesColumn, o.ScoreColumnName, o.PredictedLabelColumnName, o.FeatureContributionsColumnName, o.LatentContributionColumnName]
                : [RowsDataView.FeaturesColumn, o.ScoreColumnName, o.PredictedLabelColumnName];
            var inference = new VaeInference(model.Model, o.Threads);
            long rows = 0, flagged = 0;
            double scoreSum = 0;
            var header = new List<string> { "row", "score", "neg_elbo", "reconstruction", "kl" };
            if (k > 0) header.Add("iwae_nll");
            header.Add("is_anomaly");
            for (int t = 1; t <= top; t++) header.AddRange([$"top{t}", $"top{t}_share"]);
            if (top > 0) header.Add("latent_share");

            IEnumerable<IReadOnlyList<string>> Lines()
            {
                int block = 0;
                var order = new int[names.Count];
                foreach (var chunk in ColumnChunks.Read(scored, ColumnChunks.BlockRows, read))
                {
                    console.Cancellation.ThrowIfCancellationRequested();
                    var features = chunk[RowsDataView.FeaturesColumn];
                    int blockSeed = ColumnChunks.BlockSeed(baseSeed, block++);
                    var (reconstruction, kl) = inference.Elbo(features, s, blockSeed);
                    var iw = k > 0 ? inference.IwaeNll(features, k, blockSeed) : null;
                    var score = chunk[o.ScoreColumnName];
                    var flag = chunk[o.PredictedLabelColumnName];
                    for (int i = 0; i < chunk.Rows; i++)
                    {
                        var line = new List<string>(header.Count)
                        {
                            (chunk.FirstRow + i).ToString(CultureInfo.InvariantCulture), Outputs.Number(score[i]),
                            Outputs.Number(reconstruction[i] + kl[i]), Outputs.Number(reconstruction[i]), Outputs.Number(kl[i]),
                        };
                        if (iw is not null) line.Add(Outputs.Number(iw[i]));
                        line.Add(flag[i] > 0 ? "1" : "0");
                        if (top > 0)
                        {
                            var shares = chunk.Row(o.FeatureContributionsColumnName, i).ToArray();
                            Largest(shares, order);
                            for (int t = 0; t < top; t++) line.AddRange([names[order[t]], Outputs.Number(shares[order[t]])]);
                            line.Add(Outputs.Number(chunk[o.LatentContributionColumnName][i]));
                        }
                        rows++;
                        flagged += flag[i] > 0 ? 1 : 0;
                        scoreSum += score[i];
                        yield return line;
                    }
                }
            }

            Outputs.WriteCsv(outPath, header, Lines(), console.Cancellation);
            console.Error.WriteLine($"scored {rows} rows; {flagged} above the threshold {model.Threshold.Value:G6}: {outPath}");
            if (parse.GetValue(json)) Outputs.Json(console, new
            {
                rows, anomalies = flagged, mean_score = rows > 0 ? scoreSum / rows : double.NaN,
                @out = outPath
            });
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Fills <paramref name="order"/> with the feature indices from the largest value of <paramref name="values"/> down
    /// (ties: the first feature first).
    /// </summary>
    private static void Largest(float[] values, int[] order)
    {
        for (int j = 0; j < order.Length; j++) order[j] = j;
        Array.Sort(order, (a, b) => values[a] != values[b] ? values[b].CompareTo(values[a]) : a.CompareTo(b));
    }
}
