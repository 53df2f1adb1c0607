using System.Text;
using MlNetVae.Pipeline;
using MlNetVae.Vae;

namespace MlNetVae.Cli.Pictures;

/// <summary>
/// The report folder: loss curves, KL per latent dimension, a 2-D latent scatter (coloured by label when there are
/// labels), and for image data reconstructions, samples and a latent traversal; one index.html shows them all.
/// </summary>
internal static class ModelReport
{
    private const int MaxScatterRows = 2000, Examples = 8, TraversalSteps = 9, TraversalDims = 5;

    /// <summary>Writes the report's files into <paramref name="folder"/> (which exists) and returns their names.</summary>
    public static IReadOnlyList<string> Write(VaeTransformer model, VaeData data, string folder)
    {
        var figures = new List<(string File, string Caption)>();
        var vae = model.Model;
        if (model.Training is { } training)
        {
            var series = new List<Series>
            {
                new("train -ELBO", training.History.Select(h => ((double)h.Epoch, h.NegElbo)).ToArray()),
                new("train loss", training.History.Select(h => ((double)h.Epoch, h.Loss)).ToArray()),
            };
            if (training.History.All(h => h.ValidationNegElbo is not null))
                series.Add(new("validation -ELBO", training.History.Select(h => ((double)h.Epoch, h.ValidationNegElbo!.Value)).ToArray()));
            series.Add(new("train KL", training.History.Select(h => ((double)h.Epoch, h.Kl)).ToArray()));
            SvgPlot.Lines(Path.Combine(folder, "loss.svg"), "Training curves (nats per row)", "epoch", "nats", series);
            figures.Add(("loss.svg", "Loss curves: negative ELBO, training loss (with KL weight), validation -ELBO and KL per epoch."));
        }

        var rows = data.Count > MaxScatterRows ? data.Subset(Enumerable.Range(0, MaxScatterRows)) : data;
        var diagnostics = rows.Count >= 2 ? vae.Diagnose(rows.Rows) : null;
        if (diagnostics is not null)
        {
            SvgPlot.Bars(Path.Combine(folder, "kl.svg"), $"KL per latent dimension ({diagnostics.ActiveUnits} of {vae.LatentSize} active)", "latent dimension", "mean KL (nats)", diagnostics.KlPerDimension);
            figures.Add(("kl.svg", diagnostics.Warning ?? "Mean KL(q(z_k|x) || N(0,1)) per latent dimension; near-zero bars are unused dimensions."));
        }

        // The two dimensions with the most KL carry the most information: the most telling 2-D view.
        var order = diagnostics is null ? Enumerable.Range(0, vae.LatentSize).ToArray()
            : Enumerable.Range(0, vae.LatentSize).OrderByDescending(j => diagnostics.KlPerDimension[j]).ToArray();
        var z = model.Encode(rows);
        if (vae.LatentSize >= 2)
        {
            int a = order[0], b = order[1];
            SvgPlot.Scatter(Path.Combine(folder, "latent.svg"), "Latent space (posterior means)", $"z{a}", $"z{b}",
                z.Select(m => ((double)m[a], (double)m[b])).ToArray(), rows.Labels);
            figures.Add(("latent.svg", $"Posterior means on the two most informative dimensions (z{a}, z{b}){(rows.Labels is null ? "" : ", coloured by label")}."));
        }

        if (ImageGrid.Side(vae.Features) is int side)
        {
            var originals = rows.Rows.Take(Examples).ToArray();
            var reconstructions = vae.Reconstruct(originals);
            ImageGrid.Save(Path.Combine(folder, "reconstructions.png"), [.. originals, .. reconstructions], side, originals.Length);
            figures.Add(("reconstructions.png", "Top: input images. Bottom: their reconstructions from the posterior mean."));
            ImageGrid.Save(Path.Combine(folder, "samples.png"), vae.Generate(32, seed: 1), side, 8);
            figures.Add(("samples.png", "New images decoded from z ~ N(0, I)."));
            var traversal = new List<float[]>();
            foreach (int dim in order.Take(Math.Min(TraversalDims, vae.LatentSize)))
                for (int s = 0; s < TraversalSteps; s++)
                {
                    var point = (float[])z[0].Clone();
                    point[dim] = -3f + 6f * s / (TraversalSteps - 1);
                    traversal.Add(point);
                }
            ImageGrid.Save(Path.Combine(folder, "traversal.png"), vae.Decode(traversal), side, TraversalSteps);
            figures.Add(("traversal.png", $"Latent traversal: each row moves one dimension ({string.Join(", ", order.Take(Math.Min(TraversalDims, vae.LatentSize)).Select(d => $"z{d}"))}) from -3 to 3, starting at the first row's posterior mean."));
        }

        WriteIndex(Path.Combine(folder, "index.html"), model, data, diagnostics, figures);
        return [.. figures.Select(f => f.File), "index.html"];
    }

    private static void WriteIndex(string path, VaeTransformer model, VaeData data, LatentDiagnostics? diagnostics, List<(string File, string Caption)> figures)
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>MlNetVae report</title>");
        html.AppendLine("<style>body{font-family:sans-serif;max-width:900px;margin:2em auto}figure{margin:2em 0}img{max-width:100%;border:1px solid #ccc}</style></head><body>");
        html.AppendLine("<h1>MlNetVae model report</h1><ul>");
        var o = model.Model.Options;
        html.AppendLine($"<li>data: {Escape(data.Source)} ({data.Count} rows, {data.Features} features)</li>");
        html.AppendLine($"<li>architecture: {data.Features}-{string.Join("-", o.EncoderHidden)}-{o.LatentSize} ({string.Join(", ", model.Model.Preprocessor.Segments.Select(s => $"{s.Kind} x{s.Length}"))})</li>");
        if (model.Training is { } t) html.AppendLine($"<li>training: {t.History.Count} epochs in {t.Seconds:F1} s, final train -ELBO {t.TrainNegElbo:F3}</li>");
        if (diagnostics is not null) html.AppendLine($"<li>active latent units: {diagnostics.ActiveUnits} of {o.LatentSize}</li>");
        if (model.Threshold is { } th) html.AppendLine($"<li>anomaly threshold: {th.Value:G6} ({th.Method}, {th.Fraction})</li>");
        html.AppendLine("</ul>");
        foreach (var (file, caption) in figures)
            html.AppendLine($"<figure><img src=\"{file}\" alt=\"{file}\"><figcaption>{Escape(caption)}</figcaption></figure>");
        html.AppendLine("</body></html>");
        AtomicFile.WriteText(path, writer => writer.Write(html.ToString()));
    }

    private static string Escape(string text) => System.Net.WebUtility.HtmlEncode(text);
}
