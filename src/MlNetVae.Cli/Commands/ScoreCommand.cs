using System.CommandLine;
using System.Globalization;
using MlNetVae.Cli.Data;
using MlNetVae.Inference;

namespace MlNetVae.Cli.Commands;

/// <summary>
/// <c>score</c>: <c>row,score,neg_elbo,reconstruction,kl[,iwae_nll],is_anomaly</c>. <c>score</c> and <c>is_anomaly</c> come
/// from the model's ML.NET transformer (its Score and PredictedLabel columns, what scorer.onnx computes); the ELBO parts are
/// at the posterior mean, or averaged over <c>--samples</c> draws. Rows stream through in blocks: memory stays constant.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new ModelInput();
        var output = CommonOptions.Out("the CSV to write: row,score,neg_elbo,reconstruction,kl[,iwae_nll],is_anomaly");
        var samples = CommonOptions.Count("--samples", 0, "z draws per row for neg_elbo (0 = at the posterior mean, deterministic)");
        var iwae = CommonOptions.Count("--iwae", 0, "importance samples for the iwae_nll column (0 = no column)");
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var command = new Command("score", "write each row's anomaly score (higher = more unusual), its ELBO parts and its flag") { output, samples,
            iwae, seed, json };
        input.AddTo(command);
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            Outputs.CheckFile(outPath, input.Paths(parse));
            int s = CommonOptions.Checked(parse, samples, 0, 10_000), k = CommonOptions.Checked(parse, iwae, 0, 100_000);
            int baseSeed = parse.GetValue(seed);
            var (model, data) = input.Load(parse);
            var o = model.Options;
            var scored = model.WithOptions(x => x with { OutputColumns = VaeColumns.Score | VaeColumns.PredictedLabel }).Transform(data.View);
            var inference = new VaeInference(model.Model, o.Threads);
            long rows = 0, flagged = 0;
            double scoreSum = 0;
            var header = new List<string> { "row", "score", "neg_elbo", "reconstruction", "kl" };
            if (k > 0) header.Add("iwae_nll");
            header.Add("is_anomaly");

            IEnumerable<IReadOnlyList<string>> Lines()
            {
                int block = 0;
                foreach (var chunk in ColumnChunks.Read(scored, ColumnChunks.BlockRows, RowsDataView.FeaturesColumn, o.ScoreColumnName,
                    o.PredictedLabelColumnName))
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
}
