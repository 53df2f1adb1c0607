using MlNetVae.Cli.Report;
using MlNetVae.Inference;
using NUnit.Framework;
using SkiaSharp;

namespace MlNetVae.Tests.Cli;

/// <summary>
/// Every report picture drawn from realistic synthetic data into one folder (kept under the test output directory as
/// report-pictures/, so the pictures can be looked at after a run), then decoded and checked.
/// </summary>
public class ReportPicturesTests
{
    private static readonly string Folder = Path.Combine(TestContext.CurrentContext.WorkDirectory, "report-pictures");
    private static readonly Dictionary<string, ReportFigure> Figures = [];
    private static readonly (double[] Scores, bool[] IsAnomaly, double Threshold) Scores = ReportSamples.Scores();

    [OneTimeSetUp]
    public void DrawEveryPicture() => DrawAll(Folder, Figures);

    private static void DrawAll(string folder, Dictionary<string, ReportFigure> figures)
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        figures["training"] = TrainingCurves.Write(folder, ReportSamples.Epochs(betaWarmup: false));
        figures["training-warmup"] = TrainingCurves.Write(folder, ReportSamples.Epochs(betaWarmup: true), "training-warmup");
        figures["kl"] = KlPerDimension.Write(folder, ReportSamples.KlPerDimension(), ReportSamples.KlPerDimension().Select(v => v >= 0.01).ToArray());
        var (x, y, classes) = ReportSamples.Latent();
        figures["latent"] = LatentScatter.Write(folder, x, y, 5, 0, classes);
        var (scores, isAnomaly, threshold) = Scores;
        figures["scores"] = ScoreHistogram.Write(folder, scores, threshold, isAnomaly);
        figures["scores-unlabelled"] = ScoreHistogram.Write(folder, scores, threshold, stem: "scores-unlabelled");
        figures["roc"] = RocCurve.Write(folder, scores, isAnomaly, threshold);
        figures["elbo-gap"] = ElboGap.Write(folder, ReportSamples.Iwae(), ReportSamples.Naive());
        figures["features"] = FeatureErrors.Write(folder, FeatureNames, FeatureErrorValues, 1000);
        var (originals, reconstructions) = ReportSamples.Reconstructions();
        figures["reconstructions"] = ImageGrid.Reconstructions(folder, originals, reconstructions, (ReportSamples.Side, ReportSamples.Side));
        figures["samples"] = ImageGrid.Samples(folder, ReportSamples.Samples(), (ReportSamples.Side, ReportSamples.Side));
        var (images, dimensions, values) = ReportSamples.Traversal();
        figures["traversal"] = ImageGrid.Traversal(folder, images, (ReportSamples.Side, ReportSamples.Side), dimensions, values);
        ReportIndex.Write(folder, new ReportSummary("train.csv", 1000, 784, "784-512-256-16 (bernoulli x784)", 40, 5, 16, threshold, "quantile, contamination 0.05"), [.. figures.Values]);
    }

    [Test]
    public void EveryFigureIsANonTrivialPng()
    {
        foreach (var (name, figure) in Figures)
        {
            using var png = Png(figure.File);
            var colours = png.Pixels.Distinct().Count();
            double ink = png.Pixels.Count(p => p != SKColors.White) / (double)png.Pixels.Length;
            Assert.That(colours, Is.GreaterThan(40), $"{name}: distinct colours");
            Assert.That(ink, Is.InRange(0.03, 0.97), $"{name}: share of non-white pixels");
            Assert.That(figure.Caption, Has.Length.GreaterThan(60), name);
        }
    }

    [Test]
    public void TrainingCurvesPutKlOnItsOwnAxisWithIntegerEpochTicks()
    {
        using var png = Png("training.png", 900, 660);
        // The KL line (red) is drawn only in the lower panel, the -ELBO line (blue) only in the upper one.
        Assert.That(Count(png, PlotStyle.Palette[3], new SKRectI(80, 400, 670, 610)), Is.GreaterThan(200));
        Assert.That(Count(png, PlotStyle.Palette[3], new SKRectI(80, 40, 670, 390)), Is.Zero);
        Assert.That(Count(png, PlotStyle.Palette[0], new SKRectI(80, 40, 670, 390)), Is.GreaterThan(200));
        Assert.That(Count(png, PlotStyle.Palette[0], new SKRectI(80, 400, 670, 610)), Is.Zero);

        Assert.That(Figures["training"].Caption, Does.StartWith("Per-epoch averages over 40 epochs: -ELBO went from 242.97 to 110.21 nats per row")
            .And.EndWith("A validation curve that turns up while training keeps falling means overfitting."));
    }

    [Test]
    public void TrainingCurvesOfOneEpochStillDraw()
    {
        using var folder = new TempFolder();
        var figure = TrainingCurves.Write(folder.Path, [new EpochStats(1, 100, 2, 102, 102)]);
        using var png = Png(Path.Combine(folder.Path, figure.File), 900, 660);
        Assert.That(Count(png, PlotStyle.Palette[3], new SKRectI(80, 400, 670, 610)), Is.GreaterThan(0));
    }

    /// <summary>30 sensor features, one of them (pressure_7) reconstructed far worse than the rest.</summary>
    private static readonly string[] FeatureNames = [.. Enumerable.Range(0, 30).Select(j => $"pressure_{j}")];

    private static readonly double[] FeatureErrorValues = [.. Enumerable.Range(0, 30).Select(j => j == 7 ? 1.6 : 0.05 + 0.01 * j)];

    [Test]
    public void FeatureErrorsAreTheMeanAbsoluteErrorInStandardDeviationsOfTheNaiveFormula()
    {
        var rng = new Random(3);
        const int n = 50, d = 4;
        var rows = Enumerable.Range(0, n * d).Select(i => i % d == 3 ? 2f : (float)(rng.NextDouble() * 10 * (i % d + 1))).ToArray();
        var recon = rows.Select(v => v + (float)(rng.NextDouble() - 0.5)).ToArray();
        var errors = FeatureErrors.Standardized(rows, recon, d);
        for (int j = 0; j < d; j++)
        {
            var x = Enumerable.Range(0, n).Select(i => (double)rows[i * d + j]).ToArray();
            double mean = x.Average(), sd = Math.Sqrt(x.Select(v => (v - mean) * (v - mean)).Average());
            double mae = Enumerable.Range(0, n).Select(i => Math.Abs(x[i] - recon[i * d + j])).Average();
            Assert.That(errors[j], Is.EqualTo(mae / (sd > 0 ? sd : 1)).Within(1e-9), $"feature {j}");
        }
    }

    [Test]
    public void FeatureErrorsPutTheWorstOfTheFeaturesOnTopNamedAndCaptioned()
    {
        using var png = Png("features.png", 900, 130 + 25 * 22);
        // The longest bar (pressure_7, 1.6) is the top one: in the top bar's row, blue reaches far to the right.
        int Blue(int y0, int y1) => Count(png, PlotStyle.Palette[0], new SKRectI(0, y0, 900, y1));
        Assert.That(Blue(40, 90), Is.GreaterThan(5 * Blue(png.Height - 140, png.Height - 90)), "the worst feature's bar is the top and longest");
        Assert.That(Figures["features"].Caption, Does.StartWith("How far the reconstructions of 1000 rows miss each feature, in units of the feature's standard deviation (the 25 largest of 30 shown). The longest bars, led by pressure_7 (1.6)"));
    }

    [Test]
    public void KlBarsColourActiveAndInactiveDimensionsApart()
    {
        using var png = Png("kl.png", 900, 460);
        Assert.That(Count(png, PlotStyle.Palette[0]), Is.GreaterThan(2000), "active bars");
        Assert.That(Count(png, PlotStyle.Palette[9]), Is.GreaterThan(2000), "inactive bars");
        Assert.That(Figures["kl"].Caption, Does.Contain("the 11 gray bars are dimensions whose posterior mean barely varies"));
    }

    [Test]
    public void LatentScatterNamesTheClassesInALegendOutsideTheDataAndKeepsCirclesRound()
    {
        var (x, y, classes) = ReportSamples.Latent();
        var plot = LatentScatter.Build(x, y, 5, 0, classes);
        Assert.That(plot.Legend.ManualItems.Select(i => i.LabelText),
            Is.EqualTo(new[] { "normal (600)", "drift (150)", "spike (100)", "prior N(0, I): 1σ, 2σ" }));

        using var surface = SKSurface.Create(new SKImageInfo(820, 640))!;
        surface.Canvas.Clear(SKColors.White);
        plot.Render(surface.Canvas, 820, 640);
        using var bitmap = SKBitmap.FromImage(surface.Snapshot());
        var render = plot.RenderManager.LastRender;
        var data = render.DataRect;
        var outside = new SKRectI((int)data.Right + 1, 0, 820, 640);
        for (int g = 0; g < 3; g++)
        {
            Assert.That(Count(bitmap, PlotStyle.Palette[g], outside), Is.GreaterThan(20), $"legend marker {g} right of the data area");
            Assert.That(Count(bitmap, Blend(PlotStyle.Palette[g], 0.65), new SKRectI((int)data.Left, (int)data.Top, (int)data.Right, (int)data.Bottom)), Is.GreaterThan(100), $"points of class {g}");
        }
        double xPerPixel = render.AxisLimits.HorizontalSpan / data.Width, yPerPixel = render.AxisLimits.VerticalSpan / data.Height;
        Assert.That(yPerPixel, Is.EqualTo(xPerPixel).Within(1).Percent, "equal scaling");
        Assert.That(render.AxisLimits.Left, Is.LessThan(-2.0));
        Assert.That(render.AxisLimits.Top, Is.GreaterThan(2.0), "both prior circles are in view");

        using var png = Png("latent.png", 820, 640);
        Assert.That(Count(png, PlotStyle.Reference), Is.GreaterThan(100), "dashed prior circles");
    }

    [Test]
    public void HistogramOfAHeavyTailSpreadsTheBulkOverALogAxis()
    {
        // Image scores: the normal rows near 0 (z-scores), the other classes spread up to 1e5.
        var random = new Random(5);
        var isAnomaly = Enumerable.Range(0, 1000).Select(i => i % 2 == 0).ToArray();
        var scores = isAnomaly.Select(a => a ? Math.Pow(10, 1 + 4 * random.NextDouble()) : random.NextDouble() - 0.5).ToArray();
        using var folder = new TempFolder();
        var figure = ScoreHistogram.Write(folder.Path, scores, 0.4, isAnomaly);
        Assert.That(figure.Caption, Does.Contain("signed log scale").And.Contain("500 of 500 anomalies lie right of the dashed threshold"));
        using var png = Png(Path.Combine(folder.Path, figure.File), 900, 480);
        // On a linear axis the 500 normal rows would fill one bar of 1/50 of the width; on the log axis they cover several.
        var blue = Blend(PlotStyle.Palette[0], 0.55);
        var pixels = png.Pixels; // SKBitmap.Pixels copies the bitmap on every read
        int columns = Enumerable.Range(0, png.Width).Count(x => Enumerable.Range(0, png.Height).Any(y => Near(pixels[y * png.Width + x], blue)));
        Assert.That(columns, Is.GreaterThan(40), "columns of normal bars");
        Assert.That(Figures["scores"].Caption, Does.Not.Contain("log scale"), "a bell-shaped score keeps its linear axis");
    }

    [Test]
    public void HistogramShowsBothClassesOnlyWhenLabelled()
    {
        using var labelled = Png("scores.png", 900, 480);
        Assert.That(Count(labelled, Blend(PlotStyle.Palette[0], 0.55)), Is.GreaterThan(2000), "normal bars");
        Assert.That(Count(labelled, Blend(PlotStyle.Palette[3], 0.55)), Is.GreaterThan(2000), "anomalous bars");
        using var unlabelled = Png("scores-unlabelled.png", 900, 480);
        Assert.That(Count(unlabelled, Blend(PlotStyle.Palette[0], 0.85)), Is.GreaterThan(2000));
        Assert.That(Count(unlabelled, Blend(PlotStyle.Palette[3], 0.55)), Is.Zero);
        var (scores, isAnomaly, threshold) = Scores;
        int caught = scores.Where((s, i) => isAnomaly[i] && s > threshold).Count(), alarms = scores.Where((s, i) => !isAnomaly[i] && s > threshold).Count();
        Assert.That(Figures["scores"].Caption, Does.Contain($"{caught} of 50 anomalies lie right of the dashed threshold").And.Contain($"and {alarms} of 950 normal rows do"));
        Assert.That(Figures["scores-unlabelled"].Caption, Does.Contain($"the {caught + alarms} rows right of the dashed threshold"));
        // The threshold line: a tall vertical run of the reference colour.
        var perColumn = new int[labelled.Width];
        var pixels = labelled.Pixels;
        for (int i = 0; i < pixels.Length; i++)
            if (Near(pixels[i], Rgb(PlotStyle.Reference))) perColumn[i % labelled.Width]++;
        Assert.That(perColumn.Max(), Is.GreaterThan(150));
    }

    [Test]
    public void RocAreaIsTheMidRankAurocOfTheLibrary()
    {
        var random = new Random(2);
        var scores = Enumerable.Range(0, 300).Select(_ => Math.Round(random.NextDouble() * 20)).ToArray(); // many ties
        var labels = scores.Select(s => random.NextDouble() < 0.2 + s / 40).ToArray();
        var (fpr, tpr) = Roc.Curve(scores, labels);
        Assert.That(Roc.Area(fpr, tpr), Is.EqualTo(Roc.Auroc(scores, labels)).Within(1e-12));
        Assert.That((fpr[0], tpr[0], fpr[^1], tpr[^1]), Is.EqualTo((0.0, 0.0, 1.0, 1.0)));
        Assert.That(Roc.Area(Roc.Curve([1, 2, 3, 4], [false, false, true, true]).FalsePositiveRate, Roc.Curve([1, 2, 3, 4], [false, false, true, true]).TruePositiveRate), Is.EqualTo(1));
    }

    [Test]
    public void RocFigureShowsTheAurocAndTheChanceDiagonal()
    {
        using var png = Png("roc.png", 640, 705);
        double auroc = Roc.Auroc(Scores.Scores, Scores.IsAnomaly);
        Assert.That(Figures["roc"].Caption, Does.Contain($"AUROC {auroc.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)} is the chance"));
        // Data area: 540 px square at (75, 45) showing -0.02..1.02 on both axes; dashes cover most of the diagonal.
        int onDiagonal = 0;
        for (double t = 0.3; t <= 0.7; t += 0.005)
        {
            int px = (int)Math.Round(75 + (t + 0.02) / 1.04 * 540), py = (int)Math.Round(45 + (1.02 - t) / 1.04 * 540);
            if (Count(png, PlotStyle.Reference, new SKRectI(px - 2, py - 2, px + 3, py + 3)) > 0) onDiagonal++;
        }
        Assert.That(onDiagonal, Is.GreaterThan(40));
        Assert.That(Count(png, PlotStyle.Palette[3]), Is.GreaterThan(50), "the threshold's operating point");
    }

    [Test]
    public void ElboGapStatesBothClaimsAndDrawsTheNaiveSpread()
    {
        using var png = Png("elbo-gap.png", 1040, 760);
        Assert.That(Count(png, Blend(PlotStyle.Palette[1], 0.22)), Is.GreaterThan(20000), "the naive estimate's band");
        Assert.That(Figures["elbo-gap"].Caption, Does.Contain("its rise from K = 1 to 500 (2.1 nats)"));
        using var folder = new TempFolder();
        Assert.Throws<ArgumentException>(() => ElboGap.Write(folder.Path, [new IwaePoint(0, -1)], ReportSamples.Naive()));
    }

    [Test]
    public void ImageGridScalesEveryPixelToASharpBlockBetweenWhiteSeparators()
    {
        var ramp = Enumerable.Range(0, 784).Select(i => i % 256 / 255f).ToArray();
        float[] dark = new float[784], light = [.. Enumerable.Repeat(2f, 784)]; // values above 1 are clamped
        using var folder = new TempFolder();
        var figure = ImageGrid.Samples(folder.Path, [ramp, dark, light], (28, 28));
        using var png = Png(Path.Combine(folder.Path, figure.File), 3 * 86 + 2, 86 + 2);
        for (int r = 0; r < 28; r++)
            for (int c = 0; c < 28; c++)
                for (int d = 0; d < 9; d++)
                    Assert.That(png.GetPixel(2 + 3 * c + d % 3, 2 + 3 * r + d / 3).Red, Is.EqualTo((r * 28 + c) % 256));
        Assert.That(png.GetPixel(87, 40), Is.EqualTo(SKColors.White), "separator");
        Assert.That(png.GetPixel(88 + 40, 40).Red, Is.Zero);
        Assert.That(png.GetPixel(2 * 86 + 2 + 40, 40).Red, Is.EqualTo(255));
        Assert.Throws<ArgumentException>(() => ImageGrid.Samples(folder.Path, [new float[783]], (28, 28)));

        // Images need not be square: 2 rows of 5 pixels are 15 x 6 tiles.
        var wide = ImageGrid.Samples(folder.Path, [[.. Enumerable.Range(0, 10).Select(i => i / 9f)]], (2, 5), stem: "wide");
        using var strip = Png(Path.Combine(folder.Path, wide.File), 5 * 3 + 4, 2 * 3 + 4);
        Assert.That(strip.GetPixel(2 + 3 * 4, 2 + 3 * 1).Red, Is.EqualTo(255), "the last pixel, row 1 column 4, is white");
        Assert.That(strip.GetPixel(2, 2).Red, Is.Zero, "the first is black");
    }

    [Test]
    public void ImageGridsLayOutTheirRowsAndLabels()
    {
        using var reconstructions = Png("reconstructions.png");
        Assert.That(reconstructions.Height, Is.EqualTo(2 * 86 + 2), "inputs above reconstructions");
        Assert.That(reconstructions.Width, Is.GreaterThan(10 * 86 + 2), "ten columns and a label column");
        int labelWidth = reconstructions.Width - (10 * 86 + 2);
        Assert.That(Count(reconstructions, new SKColor(0x30, 0x30, 0x30), new SKRectI(0, 0, labelWidth, reconstructions.Height)), Is.GreaterThan(20), "row labels");

        using var traversal = Png("traversal.png");
        Assert.That(traversal.Height, Is.EqualTo(19 + 4 * 86 + 2), "a header line and four dimensions");
        Assert.That(Count(traversal, new SKColor(0x30, 0x30, 0x30), new SKRectI(0, 0, traversal.Width, 19)), Is.GreaterThan(20), "column values");

        using var folder = new TempFolder();
        var (originals, reconstructed) = ReportSamples.Reconstructions();
        var twelve = ImageGrid.Reconstructions(folder.Path, [.. originals, .. originals[..2]], [.. reconstructed, .. reconstructed[..2]], (28, 28));
        using var wrapped = Png(Path.Combine(folder.Path, twelve.File));
        Assert.That(wrapped.Height, Is.EqualTo(4 * 86 + 10 + 2), "twelve pairs wrap onto a second pair of lines");
    }

    [Test]
    public void IndexShowsEveryFigureWithItsCaptionAndTheSummary()
    {
        string html = File.ReadAllText(Path.Combine(Folder, "index.html"));
        foreach (var figure in Figures.Values)
        {
            Assert.That(html, Does.Contain($"<img src=\"{figure.File}\""));
            Assert.That(html, Does.Contain(System.Net.WebUtility.HtmlEncode(figure.Caption)));
        }
        Assert.That(html, Does.Contain("train.csv (1,000 rows, 784 features)").And.Contain("784-512-256-16 (bernoulli x784)")
            .And.Contain("40 epochs").And.Contain("active latent units: 5 of 16").And.Contain("(quantile, contamination 0.05)"));
    }

    [Test]
    public void TheSameDataGivesByteIdenticalFiles()
    {
        using var folder = new TempFolder();
        var again = new Dictionary<string, ReportFigure>();
        DrawAll(folder.Path, again);
        foreach (string file in Directory.GetFiles(Folder).Select(Path.GetFileName)!)
            Assert.That(File.ReadAllBytes(Path.Combine(folder.Path, file!)), Is.EqualTo(File.ReadAllBytes(Path.Combine(Folder, file!))), file);
    }

    [Test]
    public void EveryFontRequestIsAnsweredByTheEmbeddedFont()
    {
        ReportFont.UseInScottPlot();
        // A machine with no fonts at all would otherwise get an empty typeface and pictures without any text.
        var typeface = ScottPlot.Fonts.GetTypeface("A Font Nobody Has", bold: true, italic: false);
        Assert.That((typeface.FamilyName, typeface.IsBold), Is.EqualTo((ReportFont.Family, true)));
        Assert.That(ScottPlot.Fonts.GetTypeface(ScottPlot.Fonts.Default, false, false).GlyphCount, Is.GreaterThan(1000));
    }

    private static SKBitmap Png(string file, int? width = null, int? height = null)
    {
        var bitmap = SKBitmap.Decode(Path.IsPathRooted(file) ? file : Path.Combine(Folder, file));
        Assert.That(bitmap, Is.Not.Null, file);
        if (width is int w) Assert.That((bitmap.Width, bitmap.Height), Is.EqualTo((w, height!.Value)), file);
        return bitmap;
    }

    /// <summary>Pixels within 3 levels per channel of <paramref name="colour"/> (antialiasing and blending round).</summary>
    private static int Count(SKBitmap bitmap, ScottPlot.Color colour, SKRectI? region = null) => Count(bitmap, Rgb(colour), region);

    private static SKColor Rgb(ScottPlot.Color colour) => new(colour.R, colour.G, colour.B);

    private static bool Near(SKColor p, SKColor colour) =>
        Math.Abs(p.Red - colour.Red) <= 3 && Math.Abs(p.Green - colour.Green) <= 3 && Math.Abs(p.Blue - colour.Blue) <= 3;

    private static int Count(SKBitmap bitmap, SKColor colour, SKRectI? region = null)
    {
        var r = region ?? new SKRectI(0, 0, bitmap.Width, bitmap.Height);
        var pixels = bitmap.Pixels;
        int count = 0;
        for (int y = Math.Max(0, r.Top); y < Math.Min(bitmap.Height, r.Bottom); y++)
            for (int x = Math.Max(0, r.Left); x < Math.Min(bitmap.Width, r.Right); x++)
            {
                if (Near(pixels[y * bitmap.Width + x], colour)) count++;
            }
        return count;
    }

    /// <summary>The colour of <paramref name="colour"/> at opacity <paramref name="alpha"/> over white.</summary>
    private static SKColor Blend(ScottPlot.Color colour, double alpha)
    {
        byte Mix(byte c) => (byte)Math.Round(c * alpha + 255 * (1 - alpha));
        return new SKColor(Mix(colour.R), Mix(colour.G), Mix(colour.B));
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("mlnetvae-report-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
