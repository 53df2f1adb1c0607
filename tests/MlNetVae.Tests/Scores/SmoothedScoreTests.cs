using MlNetVae.Engine;
using MlNetVae.Graph;
using MlNetVae.Inference;
using MlNetVae.Onnx;
using MlNetVae.Spec;
using MlNetVae.Tests.Graph;
using MlNetVae.Tests.Onnx;
using MlNetVae.Training;
using NUnit.Framework;

namespace MlNetVae.Tests.Scores;

/// <summary>
/// The image-only scores (<see cref="AnomalyScore.SmoothedReconstructionError"/>, <see cref="AnomalyScore.SmoothedStandardizedSum"/>
/// <see cref="AnomalyScore.MultiscaleStandardizedSum"/>, <see cref="AnomalyScore.RelativeMultiscaleSum"/> and the images' default
/// <see cref="AnomalyScore.StructuralMultiscaleSum"/>) against their definitions written out
/// in double precision from the model's own reconstructions and codes, in ONNX Runtime, and their refusals.
/// </summary>
public class SmoothedScoreTests
{
    private const int D = 2 * 6 * 5;
    private static readonly AnomalyScore[] ImageScores =
        [AnomalyScore.SmoothedReconstructionError, AnomalyScore.SmoothedStandardizedSum, AnomalyScore.MultiscaleStandardizedSum, AnomalyScore.RelativeMultiscaleSum,
            AnomalyScore.StructuralMultiscaleSum];

    /// <summary>A conv model on 2 x 6 x 5 images (two channels, odd sizes) with statistics of its 150 training rows; 50 test rows, 10 with a bright patch.</summary>
    private static (VaeModelParameters Model, float[] Train, float[] Test) Fitted()
    {
        var options = new VaeOptions
        {
            ImageShape = [2, 6, 5], ConvChannels = [4], EncoderHidden = [8], LatentSize = 3, Epochs = 3,
            Backend = TrainingBackends.Managed, Threads = 1, Seed = 4,
        };
        var rows = TestData.UnitRows(200, D, seed: 9);
        var train = TestData.Take(rows, D, 0, 150);
        var test = TestData.Take(rows, D, 150, 50);
        for (int r = 0; r < 10; r++)
            for (int i = 1; i < 4; i++)
                for (int j = 1; j < 4; j++) test[r * D + (r % 2) * 30 + i * 5 + j] = 1;
        var model = VaeTrainer.Train(train, D, options).Model;
        return (model.WithScoreStatistics(StatisticsFitter.Fit(model, train, AnomalyScores.Deterministic, new Compute(1))), train, test);
    }

    /// <summary>Sum of squares of the residual raw - reconstruction, 3x3-smoothed or not, from the model's reconstructions.</summary>
    private static double[] Errors(VaeModelParameters model, float[] rows, bool smoothed = true) =>
        [.. PixelErrors(model, rows, smoothed).Chunk(30).Select(pixels => pixels.Sum())];

    private static double[] StandardizedLogs(double[] values, double[] training)
    {
        var logs = training.Select(v => Math.Log(v)).ToArray();
        double mean = logs.Average(), sd = Math.Sqrt(logs.Average(v => (v - mean) * (v - mean)));
        return values.Select(v => (Math.Log(v) - mean) / sd).ToArray();
    }

    [Test]
    public void TheImageScoresMatchTheirDefinitions()
    {
        var (model, train, test) = Fitted();
        Assert.That(model.Spec.Score, Is.EqualTo(AnomalyScore.StructuralMultiscaleSum), "the images' default");
        var scorer = new AnomalyScorer(model, threads: 1);
        var error = Errors(model, test);
        var smoothedLogs = StandardizedLogs(error, Errors(model, train));
        var pixelLogs = StandardizedLogs(Errors(model, test, smoothed: false), Errors(model, train, smoothed: false));
        var distance = scorer.Score(test, AnomalyScore.LatentMahalanobis); // tested against its own reference in ScoreFormulaTests
        var distanceLogs = StandardizedLogs(distance, scorer.Score(train, AnomalyScore.LatentMahalanobis));

        var actualError = scorer.Score(test, AnomalyScore.SmoothedReconstructionError);
        var actualSum = scorer.Score(test, AnomalyScore.SmoothedStandardizedSum);
        var actualMultiscale = scorer.Score(test, AnomalyScore.MultiscaleStandardizedSum);
        var relativeLogs = StandardizedLogs(Sums(RelativePixelErrors(model, train, test)), Sums(RelativePixelErrors(model, train, train)));
        var actualRelative = scorer.Score(test, AnomalyScore.RelativeMultiscaleSum);
        var structuralLogs = StandardizedLogs(Sums(RelativeStructuralPixels(model, train, test)), Sums(RelativeStructuralPixels(model, train, train)));
        var actualStructural = scorer.Score(test);
        for (int r = 0; r < error.Length; r++)
        {
            Assert.That(actualError[r], Is.EqualTo(error[r]).Within(1e-4 * error[r] + 1e-6), $"smoothed error, row {r}");
            Assert.That(actualSum[r], Is.EqualTo(smoothedLogs[r] + distanceLogs[r]).Within(1e-3), $"smoothed standardized sum, row {r}");
            Assert.That(actualMultiscale[r], Is.EqualTo(smoothedLogs[r] + 0.5 * distanceLogs[r] + 0.1 * pixelLogs[r]).Within(1e-3), $"multiscale standardized sum, row {r}");
            Assert.That(actualRelative[r], Is.EqualTo(relativeLogs[r] + 0.5 * distanceLogs[r] + 0.1 * pixelLogs[r]).Within(1e-3), $"relative multiscale sum, row {r}");
            Assert.That(actualStructural[r], Is.EqualTo(relativeLogs[r] + 1.5 * structuralLogs[r] + 0.5 * distanceLogs[r] + 0.1 * pixelLogs[r]).Within(2e-3),
                $"structural multiscale sum, row {r}");
        }
        Assert.That(actualStructural.Take(10).Average(), Is.GreaterThan(actualStructural.Skip(10).Average() + 1), "the rows with a bright patch score higher");
        Assert.That(actualRelative.Take(10).Average(), Is.GreaterThan(actualRelative.Skip(10).Average() + 1), "the rows with a bright patch score higher");
        Assert.That(actualSum.Take(10).Average(), Is.GreaterThan(actualSum.Skip(10).Average() + 1), "the rows with a bright patch score higher");
        Assert.That(actualMultiscale.Take(10).Average(), Is.GreaterThan(actualMultiscale.Skip(10).Average() + 1), "the rows with a bright patch score higher");
    }

    private static double[] Sums(double[] pixels) => [.. pixels.Chunk(30).Select(p => p.Sum())];

    /// <summary>
    /// Per image and pixel, the relative smoothed error from its definition, its channels summed, [rows, 6 * 5]: each
    /// channel's squared 3x3-smoothed residual in units of its usual level on <paramref name="train"/> (<see cref="Relative"/>).
    /// </summary>
    private static double[] RelativePixelErrors(VaeModelParameters model, float[] train, float[] rows)
    {
        double[] Squares(float[] x)
        {
            var reconstruction = new VaeInference(model, 1).Reconstruct(x);
            return [.. LocalMeanTests.Reference(x.Select((v, i) => v - reconstruction[i]).ToArray(), 2, 6, 5).Select(v => v * v)];
        }
        return Relative(Squares(train), Squares(rows));
    }

    /// <summary>
    /// Per image and pixel, the relative structural dissimilarity from its definition, its channels summed, [rows, 6 * 5]:
    /// 1 - SSIM (Wang et al. 2004, C1 = 0.01^2, C2 = 0.03^2) of the row and its reconstruction, both mapped to [0, 1] by
    /// the training pixels' lowest value and range, over the window of the 3x3 mean applied twice, in units of its usual
    /// level on <paramref name="train"/> (<see cref="Relative"/>).
    /// </summary>
    private static double[] RelativeStructuralPixels(VaeModelParameters model, float[] train, float[] rows)
    {
        float low = train.Min(), range = train.Max() - low;
        double[] Window(double[] a) =>
            LocalMeanTests.Reference(LocalMeanTests.Reference(a.Select(v => (float)v).ToArray(), 2, 6, 5).Select(v => (float)v).ToArray(), 2, 6, 5);
        double[] Dissimilarity(float[] x)
        {
            var reconstruction = new VaeInference(model, 1).Reconstruct(x);
            double[] u = [.. x.Select(v => (v - low) / (double)range)], w = [.. reconstruction.Select(v => (v - low) / (double)range)];
            var (mu, mw) = (Window(u), Window(w));
            var (uu, ww, uw) = (Window([.. u.Select(v => v * v)]), Window([.. w.Select(v => v * v)]), Window([.. u.Select((v, i) => v * w[i])]));
            return [.. u.Select((_, i) =>
            {
                double similarity = (2 * mu[i] * mw[i] + 1e-4) * (2 * (uw[i] - mu[i] * mw[i]) + 9e-4)
                    / ((mu[i] * mu[i] + mw[i] * mw[i] + 1e-4) * (uu[i] - mu[i] * mu[i] + ww[i] - mw[i] * mw[i] + 9e-4));
                return Math.Clamp(1 - similarity, 0, 2);
            })];
        }
        return Relative(Dissimilarity(train), Dissimilarity(rows));
    }

    /// <summary>
    /// Per image and pixel, a per-feature value in units of its usual level, 3x3-smoothed, channels summed, [rows, 6 * 5]:
    /// each value over its feature's mean on the training rows plus 0.3 of that mean's average over the features.
    /// </summary>
    private static double[] Relative(double[] train, double[] rows)
    {
        int trainRows = train.Length / D, n = rows.Length / D;
        var usual = new double[D];
        for (int i = 0; i < train.Length; i++) usual[i % D] += train[i] / trainRows;
        double floor = 0.3 * usual.Average();
        var ratio = rows.Select((v, i) => (float)(v / (usual[i % D] + floor))).ToArray();
        var smoothed = LocalMeanTests.Reference(ratio, 2, 6, 5);
        var result = new double[n * 30];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < 2; c++)
                for (int p = 0; p < 30; p++) result[r * 30 + p] += smoothed[r * D + c * 30 + p];
        return result;
    }

    /// <summary>Per image and pixel, the residual squared (3x3-smoothed or not), its channels summed: [rows, 6 * 5].</summary>
    private static double[] PixelErrors(VaeModelParameters model, float[] rows, bool smoothed)
    {
        var reconstruction = new VaeInference(model, 1).Reconstruct(rows);
        var residual = rows.Select((v, i) => v - reconstruction[i]).ToArray();
        var error = smoothed ? LocalMeanTests.Reference(residual, 2, 6, 5) : residual.Select(v => (double)v).ToArray();
        int n = rows.Length / D;
        var result = new double[n * 30];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < 2; c++)
                for (int p = 0; p < 30; p++) result[r * 30 + p] += error[r * D + c * 30 + p] * error[r * D + c * 30 + p];
        return result;
    }

    [Test]
    public void TheAnomalyMapIsEachPixelsErrorOrItsShareOfTheStandardizedLogsAndPointsAtThePatch()
    {
        var (model, train, test) = Fitted();
        int n = test.Length / D;
        var (smoothedPixels, rawPixels) = (PixelErrors(model, test, smoothed: true), PixelErrors(model, test, smoothed: false));
        var scorer = new AnomalyScorer(model, threads: 1);
        var (error, pixelError) = (Errors(model, test), Errors(model, test, smoothed: false));
        var zError = StandardizedLogs(error, Errors(model, train));
        var zPixel = StandardizedLogs(pixelError, Errors(model, train, smoothed: false));
        var zDistance = StandardizedLogs(scorer.Score(test, AnomalyScore.LatentMahalanobis), scorer.Score(train, AnomalyScore.LatentMahalanobis));
        var relativePixels = RelativePixelErrors(model, train, test);
        var relative = Sums(relativePixels);
        var zRelative = StandardizedLogs(relative, Sums(RelativePixelErrors(model, train, train)));
        var structuralPixels = RelativeStructuralPixels(model, train, test);
        var structural = Sums(structuralPixels);
        var zStructural = StandardizedLogs(structural, Sums(RelativeStructuralPixels(model, train, train)));
        foreach (var score in ImageScores)
        {
            var (actualScore, map, latent) = ContributionTests.Managed(model, test, score);
            Assert.That(map, Has.Length.EqualTo(n * 30), "one value per pixel, the two channels together");
            for (int r = 0; r < n; r++)
            {
                // Each standardized log split by each pixel's share of its term, times the term's weight in the score.
                (double smoothedFactor, double relativeFactor, double structuralFactor, double pixelFactor, double expectedLatent) = score switch
                {
                    AnomalyScore.SmoothedReconstructionError => (1.0, 0.0, 0.0, 0.0, 0.0),
                    AnomalyScore.SmoothedStandardizedSum => (zError[r] / error[r], 0, 0, 0, zDistance[r]),
                    AnomalyScore.MultiscaleStandardizedSum => (zError[r] / error[r], 0, 0, 0.1 * zPixel[r] / pixelError[r], 0.5 * zDistance[r]),
                    AnomalyScore.RelativeMultiscaleSum => (0, zRelative[r] / relative[r], 0, 0.1 * zPixel[r] / pixelError[r], 0.5 * zDistance[r]),
                    _ => (0, zRelative[r] / relative[r], 1.5 * zStructural[r] / structural[r], 0.1 * zPixel[r] / pixelError[r], 0.5 * zDistance[r]),
                };
                Assert.That(latent[r], Is.EqualTo(expectedLatent).Within(1e-3), $"{score}, row {r}: latent part");
                for (int p = 0; p < 30; p++)
                {
                    double expected = smoothedPixels[r * 30 + p] * smoothedFactor + relativePixels[r * 30 + p] * relativeFactor
                        + structuralPixels[r * 30 + p] * structuralFactor + rawPixels[r * 30 + p] * pixelFactor;
                    Assert.That(map[r * 30 + p], Is.EqualTo(expected).Within(2e-3 * Math.Abs(expected) + 1e-5), $"{score}, row {r}, pixel {p}");
                }
            }
            ContributionTests.AssertAddsUp(actualScore, map, latent, score.ToString());
            // Rows 0..9 carry a bright 3x3 patch at rows 1..3, columns 1..3: the map's largest pixel lies in it.
            for (int r = 0; r < 10; r++)
            {
                int top = map.AsSpan(r * 30, 30).IndexOf(map.AsSpan(r * 30, 30).ToArray().Max());
                Assert.That(top / 5 is >= 1 and <= 3 && top % 5 is >= 1 and <= 3, Is.True, $"{score}, row {r}: the map peaks at pixel ({top / 5}, {top % 5})");
            }
        }
    }

    [Test]
    public void OnnxRuntimeMatchesTheManagedScorer()
    {
        var (model, _, test) = Fitted();
        var scorer = new AnomalyScorer(model, threads: 1);
        foreach (var score in ImageScores)
        {
            using var ort = new Ort(OnnxExport.Scorer(model, new ScorerExportOptions(Score: score)));
            var outputs = ort.Run(OnnxNames.Features, test, D, OnnxNames.Score, OnnxNames.FeatureContributions, OnnxNames.LatentContribution);
            var actual = outputs[OnnxNames.Score].Data;
            var expected = scorer.Score(test, score);
            for (int r = 0; r < expected.Length; r++)
                Assert.That(actual[r], Is.EqualTo(expected[r]).Within(1e-5 * (1 + Math.Abs(expected[r]))), $"{score}, row {r}");
            var (_, map, latent) = ContributionTests.Managed(model, test, score);
            Closeness.Assert(outputs[OnnxNames.FeatureContributions].Data, map, $"feature_contributions ({score})");
            Closeness.Assert(outputs[OnnxNames.LatentContribution].Data, latent, $"latent_contribution ({score})");
            ContributionTests.AssertAddsUp(actual, outputs[OnnxNames.FeatureContributions].Data, outputs[OnnxNames.LatentContribution].Data, $"ONNX Runtime, {score}");
        }
    }

    /// <summary>
    /// Pixels in [0, 255] (ML.NET's ExtractPixels) score as the same pixels in [0, 1]: the model standardizes each pixel,
    /// every error term is a standardized log (a scale is a constant shift), and the structural term maps the images to
    /// [0, 1] by the training pixels' range before SSIM, whose constants assume that range.
    /// </summary>
    [Test]
    public void PixelsIn0To255ScoreAsPixelsIn0To1()
    {
        var (model, train, test) = Fitted();
        float[] Scaled(float[] rows) => [.. rows.Select(v => v * 255f)];
        var options = model.Spec.Options;
        var scaled = VaeTrainer.Train(Scaled(train), D, options).Model;
        scaled = scaled.WithScoreStatistics(StatisticsFitter.Fit(scaled, Scaled(train), AnomalyScores.Deterministic, new Compute(1)));
        float range = model.ScoreStatistics![ScoreStatistics.PixelRange].Data[0];
        Assert.That(scaled.ScoreStatistics![ScoreStatistics.PixelRange].Data[0], Is.EqualTo(255f * range).Within(1e-3f), "the range, in the pixels' own units");
        foreach (var score in ImageScores.Where(s => s != AnomalyScore.SmoothedReconstructionError)) // that one is in pixel units squared
        {
            var expected = new AnomalyScorer(model, threads: 1).Score(test, score);
            var actual = new AnomalyScorer(scaled, threads: 1).Score(Scaled(test), score);
            for (int r = 0; r < expected.Length; r++)
                Assert.That(actual[r], Is.EqualTo(expected[r]).Within(2e-3 * (1 + Math.Abs(expected[r]))), $"{score}, row {r}");
        }
    }

    [Test]
    public void TablesRefuseTheImageScores()
    {
        var (table, rows) = TestModels.Get(ModelKind.Gaussian, trained: true);
        var fitted = table.WithScoreStatistics(StatisticsFitter.Fit(table, rows, AnomalyScores.Deterministic, Compute.Shared(1)));
        Assert.That(fitted.ScoreStatistics!.Contains(ScoreStatistics.SmoothedErrorLogMean), Is.False, "tables get no image statistics");
        foreach (var score in ImageScores)
        {
            Assert.That(() => new AnomalyScorer(fitted).Score(rows, score), Throws.InvalidOperationException.With.Message.Contain("needs images"), score.ToString());
            Assert.That(() => OnnxExport.Scorer(fitted, new ScorerExportOptions(Score: score)), Throws.ArgumentException.With.Message.Contain("needs images"), score.ToString());
            var layout = FeatureStatistics.Fit(rows, table.Features, new VaeOptions()).Layout;
            Assert.That(() => VaeSpec.Resolve(new VaeOptions { Score = score }, layout),
                Throws.ArgumentException.With.Message.Contain($"VaeOptions.Score: {score} smooths over pixel neighbourhoods and needs images"));
        }
    }

    [Test]
    public void StatisticsFittedBeforeTheImageScoresStillLoadAndNameWhatIsMissing()
    {
        var (model, train, test) = Fitted();
        var stats = model.ScoreStatistics!;
        string[] smoothed = [ScoreStatistics.SmoothedErrorLogMean, ScoreStatistics.SmoothedErrorLogScale, ScoreStatistics.MahalanobisLogMean, ScoreStatistics.MahalanobisLogScale];
        string[] pixel = [ScoreStatistics.PixelErrorLogMean, ScoreStatistics.PixelErrorLogScale];
        string[] relative = [ScoreStatistics.SmoothedErrorUsual, ScoreStatistics.RelativeSmoothedErrorLogMean, ScoreStatistics.RelativeSmoothedErrorLogScale];
        string[] structural = [ScoreStatistics.PixelLow, ScoreStatistics.PixelRange, ScoreStatistics.StructuralErrorUsual,
            ScoreStatistics.RelativeStructuralErrorLogMean, ScoreStatistics.RelativeStructuralErrorLogScale];
        Assert.That(stats.Names.Skip(10), Is.EqualTo(smoothed.Concat(pixel).Concat(relative.Skip(1)).Concat(structural.Skip(3))));
        Assert.That(stats.Names.Take(6), Is.EqualTo(new[] { ScoreStatistics.PixelLow, ScoreStatistics.PixelRange, ScoreStatistics.LatentCenter,
            ScoreStatistics.LatentWhitening, ScoreStatistics.SmoothedErrorUsual, ScoreStatistics.StructuralErrorUsual }),
            "the range before the usual levels that read it, the usual levels before the terms that read them");
        Assert.That(stats[ScoreStatistics.PixelLow].Data, Is.EqualTo(new[] { train.Min() }), "the training pixels' lowest value");
        Assert.That(stats[ScoreStatistics.PixelRange].Data, Is.EqualTo(new[] { train.Max() - train.Min() }), "and their range");
        Assert.That(stats[ScoreStatistics.SmoothedErrorUsual].Shape, Is.EqualTo(new[] { D }), "one usual level per pixel and channel");
        StateDict Without(params string[] names)
        {
            var s = new StateDict();
            foreach (var name in stats.Names.Except(names)) s.Set(name, stats[name].Shape, stats[name].Data);
            return s;
        }

        // Earlier versions' statistics: every older score still works, the newer ones say what is missing.
        var old = model.WithScoreStatistics(Without([.. smoothed, .. pixel, .. relative, .. structural]));
        Assert.That(new AnomalyScorer(old).Score(test, AnomalyScore.StandardizedSum), Is.EqualTo(new AnomalyScorer(model).Score(test, AnomalyScore.StandardizedSum)));
        foreach (var score in new[] { AnomalyScore.SmoothedStandardizedSum, AnomalyScore.MultiscaleStandardizedSum, AnomalyScore.RelativeMultiscaleSum,
            AnomalyScore.StructuralMultiscaleSum })
            Assert.That(() => new AnomalyScorer(old).Score(test, score),
                Throws.InvalidOperationException.With.Message.Contain("needs the statistic 'score.mahalanobis_log_mean'").And.Message.Contain("by an earlier version"), score.ToString());
        Assert.That(new AnomalyScorer(old).Score(test, AnomalyScore.SmoothedReconstructionError), Has.Length.EqualTo(50), "needs no statistics");
        // Statistics of an earlier version: the scores it had as before, the newer one names the first statistic it lacks.
        void Older(string[] without, AnomalyScore kept, AnomalyScore newer, string missing)
        {
            var older = model.WithScoreStatistics(Without(without));
            Assert.That(new AnomalyScorer(older).Score(test, kept), Is.EqualTo(new AnomalyScorer(model).Score(test, kept)), $"{kept} without {newer}'s statistics");
            Assert.That(() => new AnomalyScorer(older).Score(test, newer), Throws.InvalidOperationException.With.Message.Contain($"needs the statistic '{missing}'"));
        }
        Older(pixel, AnomalyScore.SmoothedStandardizedSum, AnomalyScore.MultiscaleStandardizedSum, "score.pixel_error_log_mean");
        Older([.. relative, .. structural], AnomalyScore.MultiscaleStandardizedSum, AnomalyScore.RelativeMultiscaleSum, "score.relative_smoothed_error_log_mean");
        Assert.That(ScoreStatistics.Missing(model.Spec, Without(ScoreStatistics.SmoothedErrorUsual), AnomalyScore.RelativeMultiscaleSum),
            Does.Contain("'score.smoothed_error_usual'"));
        Older(structural, AnomalyScore.RelativeMultiscaleSum, AnomalyScore.StructuralMultiscaleSum, "score.pixel_low");
        Assert.That(ScoreStatistics.Missing(model.Spec, Without(ScoreStatistics.StructuralErrorUsual), AnomalyScore.StructuralMultiscaleSum),
            Does.Contain("'score.structural_error_usual'"));
        var flat = stats.Clone();
        flat[ScoreStatistics.PixelRange].Data[0] = 0;
        Assert.That(() => ScoreStatistics.Validate(flat, model.Features, 3),
            Throws.ArgumentException.With.Message.Contain("score statistic 'score.pixel_range' must be positive"));

        Assert.That(ScoreStatistics.Missing(model.Spec, Without(ScoreStatistics.MahalanobisLogScale), AnomalyScore.SmoothedStandardizedSum), Does.Contain("'score.mahalanobis_log_scale'"));
        var zero = stats.Clone();
        zero[ScoreStatistics.SmoothedErrorLogScale].Data[0] = 0;
        Assert.That(() => ScoreStatistics.Validate(zero, model.Features, 3), Throws.ArgumentException.With.Message.Contain("positive"));
        var usualZero = stats.Clone();
        usualZero[ScoreStatistics.SmoothedErrorUsual].Data[D - 1] = 0;
        Assert.That(() => ScoreStatistics.Validate(usualZero, model.Features, 3),
            Throws.ArgumentException.With.Message.Contain("score statistic 'score.smoothed_error_usual' must be positive"));
        Assert.That(() => ScoreStatistics.Validate(stats, model.Features + 1, 3),
            Throws.ArgumentException.With.Message.Contain($"'score.smoothed_error_usual' has shape [{D}], expected [{D + 1}]"));
        var nan = stats.Clone();
        nan[ScoreStatistics.MahalanobisLogMean].Data[0] = float.NaN;
        Assert.That(() => ScoreStatistics.Validate(nan, model.Features, 3), Throws.ArgumentException.With.Message.Contain("'score.mahalanobis_log_mean' holds a non-finite value"));
    }
}
