using System.Globalization;
using System.Net;
using System.Text;

namespace MlNetVae.Cli.Report;

/// <summary>The key facts shown at the top of the report.</summary>
/// <param name="Data">Where the data came from (a file name).</param>
/// <param name="Rows">Rows in the data.</param>
/// <param name="Features">Features per row.</param>
/// <param name="Architecture">The network, e.g. "784-512-256-16 (bernoulli x784)".</param>
/// <param name="Epochs">Epochs trained, when the model records its training.</param>
/// <param name="ActiveUnits">Latent dimensions above the activity threshold, when measured.</param>
/// <param name="LatentSize">All latent dimensions.</param>
/// <param name="Threshold">The anomaly threshold, when the model has one.</param>
/// <param name="ThresholdRule">How the threshold was chosen, e.g. "quantile, contamination 0.05".</param>
internal sealed record ReportSummary(string Data, int Rows, int Features, string Architecture, int? Epochs = null,
    int? ActiveUnits = null, int? LatentSize = null, double? Threshold = null, string? ThresholdRule = null);

/// <summary>index.html: the summary as a short list, then every picture with its caption, in the order given.</summary>
internal static class ReportIndex
{
    /// <summary>Writes <c>index.html</c> into <paramref name="folder"/> and returns its file name.</summary>
    public static string Write(string folder, ReportSummary summary, IReadOnlyList<ReportFigure> figures)
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.AppendLine("<title>MlNetVae report</title>");
        html.AppendLine("<style>body{font-family:system-ui,'DejaVu Sans',sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}"
            + "ul.summary{background:#f5f7fa;border:1px solid #dde3ea;border-radius:6px;padding:.8em 1em .8em 2em}"
            + "figure{margin:2.5em 0}img{max-width:100%;border:1px solid #dde3ea}figcaption{margin-top:.4em;color:#444}"
            + "figcaption a{color:#4E79A7;margin-left:.5em}</style></head><body>");
        html.AppendLine("<h1>MlNetVae model report</h1>");
        html.AppendLine("<ul class=\"summary\">");
        foreach (var item in Items(summary)) html.AppendLine($"<li>{Escape(item)}</li>");
        html.AppendLine("</ul>");
        foreach (var figure in figures)
        {
            html.AppendLine($"<figure><img src=\"{Escape(figure.File)}\" alt=\"{Escape(Path.GetFileNameWithoutExtension(figure.File))}\">"
                + $"<figcaption>{Escape(figure.Caption)}</figcaption></figure>");
        }
        html.AppendLine("</body></html>");
        File.WriteAllText(Path.Combine(folder, "index.html"), html.ToString(), new UTF8Encoding(false));
        return "index.html";
    }

    private static IEnumerable<string> Items(ReportSummary s)
    {
        var c = CultureInfo.InvariantCulture;
        yield return string.Create(c, $"data: {s.Data} ({s.Rows:N0} rows, {s.Features:N0} features)");
        yield return $"architecture: {s.Architecture}";
        if (s.Epochs is int epochs) yield return string.Create(c, $"training: {epochs} epochs");
        if (s.ActiveUnits is int active)
            yield return s.LatentSize is int size ? $"active latent units: {active} of {size}" : $"active latent units: {active}";
        if (s.Threshold is double threshold)
            yield return string.Create(c, $"anomaly threshold: {threshold:G6}") + (s.ThresholdRule is null ? "" : $" ({s.ThresholdRule})");
    }

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
