using MlNetVae.Cli.Data;
using MlNetVae.Inference;
using MlNetVae.ML;

namespace MlNetVae.Cli.Report;

/// <summary>
/// Everything <c>report</c> draws for a model on a data set: training curves, KL per latent dimension, the latent
/// scatter, the score histogram (and, with 0/1 labels, the ROC curve), the ELBO gap, and for images reconstructions,
/// samples and a latent traversal; then index.html. The numbers come from the library (one definition each); the
/// pictures from the figure classes beside this one.
/// </summary>
internal static class ModelReport
{
    private const int MaxRows = 20_000, ScatterRows = 2000, GapRows = 32, GapRepeats = 5, Examples = 10, TraversalSteps = 9, TraversalDims = 5;
    private static readonly int[] GapSamples = [1, 5, 50, 500];

    /// <summary>Writes the report into <paramref name="folder"/> (which exists); returns the files written.</summary>
    public static IReadOnlyList<string> Write(VaeTransformer model, Dataset data, string folder, CancellationToken cancellation)
    {
        var figures = new List<ReportFigure>();
        var vae = model.Model;
        int d = vae.Features, k = vae.LatentSize;
        var inference = new VaeInference(vae, model.Options.Threads);
        // The first rows, at most MaxRows of them: the pictures need a sample, not every row of a large file.
        var (rows, labels) = Head(data, MaxRows);
        int n = rows.Length / d;
        var info = ModelMetadata.Of(model);

        if (model.Training is { } training)
            figures.Add(TrainingCurves.Write(folder, training.History.Select(h => new EpochStats(h.Epoch, h.Reconstruction, h.Kl, h.NegElbo, h.Loss,
                h.ValidationNegElbo)).ToArray()));

        var scatterRows = rows.AsSpan(0, Math.Min(n, ScatterRows) * d);
        var diagnostics = n >= 2 ? inference.Diagnose(scatterRows) : null;
        var order = Enumerable.Range(0, k).OrderByDescending(j => diagnostics?.KlPerDimension[j] ?? 0).ToArray();
        if (diagnostics is not null)
            figures.Add(KlPerDimension.Write(folder, diagnostics.KlPerDimension,
                diagnostics.PosteriorMeanVariance.Select(v => v > LatentDiagnostics.ActiveVariance).ToArray()));
        if (k >= 2 && n >= 2)
        {
            // The two dimensions with the most KL carry the most information: the most telling 2-D view.
            var (mean, _) = inference.Encode(scatterRows);
            int m = mean.Length / k, a = order[0], b = order[1];
            // Class names from the data; 0/1 labels of an anomaly column read as what they mean.
            var names = info.ClassNames ?? data.ClassNames
                ?? (labels is not null && labels.All(l => l is 0 or 1) ? ["normal", "anomalous"] : null);
            var classes = labels is null ? null : Enumerable.Range(0, m).Select(i => ClassName(labels[i], names)).ToArray();
            figures.Add(LatentScatter.Write(folder, Enumerable.Range(0, m).Select(i => (double)mean[i * k + a]).ToArray(),
                Enumerable.Range(0, m).Select(i => (double)mean[i * k + b]).ToArray(), a, b, classes));
        }

        cancellation.ThrowIfCancellationRequested();
        var scorer = new AnomalyScorer(vae, model.Options.Threads);
        var scores = scorer.Score(rows, model.AnomalyScore);
        bool binary = labels is not null && labels.All(l => l is 0 or 1) && labels.Contains(1) && labels.Contains(0);
        var isAnomaly = binary ? labels!.Select(l => l == 1).ToArray() : null;
        figures.Add(ScoreHistogram.Write(folder, scores, model.Threshold.Value, isAnomaly));
        if (isAnomaly is not null) figures.Add(RocCurve.Write(folder, scores, isAnomaly, model.Threshold.Value));

        cancellation.ThrowIfCancellationRequested();
        var gapRows = rows.AsSpan(0, Math.Min(n, GapRows) * d).ToArray();
        figures.Add(ElboGap.Write(folder,
            GapSamples.Select(s => Spread(seed => -inference.IwaeNll(gapRows, s, seed).Average(), (m, lo, hi) => new IwaePoint(s, m, lo, hi))).ToArray(),
            GapSamples.Select(s => Spread(seed => -inference.NaivePriorNll(gapRows, s, seed).Average(), (m, lo, hi) => new NaivePoint(s, m, lo,
                hi))).ToArray()));

        // Why the highest-scoring rows score high: their scores split over the features, the most anomalous first.
        var worst = Enumerable.Range(0, n).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(Examples).ToArray();
        var worstRows = worst.SelectMany(i => rows.AsSpan(i * d, d).ToArray()).ToArray();
        var (contributions, latent) = scorer.Contributions(worstRows, model.AnomalyScore);
        int f = contributions.Length / worst.Length;

        // Images only when the data says so (IDX files, or an image shape the model was trained with); a table with 4, 9
        // or 16 features is a table, and gets the per-feature errors instead.
        if ((info.ImageShape ?? data.ImageShape) is not { } shape || shape.Height * shape.Width != f)
        {
            int m = Math.Min(n, ScatterRows);
            var table = rows.AsSpan(0, m * d);
            figures.Add(FeatureErrors.Write(folder, info.FeatureNames(d), FeatureErrors.Standardized(table, inference.Reconstruct(table), d), m));
            figures.Add(RowContributions.Write(folder, info.ExplainedNames(f),
                worst.Select((i, r) => new RowContributions.Row(i, scores[i], contributions.AsSpan(r * f, f).ToArray(), latent[r])).ToArray()));
        }
        else
        {
            // Pixels are drawn from [0, 1]; rows in other units (0-255 from a CSV) are mapped onto it by their range.
            float low = Math.Min(0, System.Numerics.Tensors.TensorPrimitives.Min(rows)), high = Math.Max(1, System.Numerics.Tensors.TensorPrimitives.Max(rows));
            float[] Image(float[] all, int i) => all.AsSpan(i * d, d).ToArray().Select(v => (v - low) / (high - low)).ToArray();
            figures.Add(ImageGrid.AnomalyMaps(folder, worst.Select(i => Image(rows, i)).ToArray(),
                Enumerable.Range(0, worst.Length).Select(r => contributions.AsSpan(r * f, f).ToArray()).ToArray(), worst.Select(i => scores[i]).ToArray(),
                shape));
            int e = Math.Min(Examples, n);
            var recon = inference.Reconstruct(rows.AsSpan(0, e * d));
            figures.Add(ImageGrid.Reconstructions(folder, Enumerable.Range(0, e).Select(i => Image(rows, i)).ToArray(), Enumerable.Range(0,
                e).Select(i => Image(recon, i)).ToArray(), shape));
            var samples = inference.Generate(32, seed: 1);
            figures.Add(ImageGrid.Samples(folder, Enumerable.Range(0, 32).Select(i => Image(samples, i)).ToArray(), shape));
            var (start, _) = inference.Encode(rows.AsSpan(0, d));
            var dims = order.Take(Math.Min(TraversalDims, k)).ToArray();
            var values = Enumerable.Range(0, TraversalSteps).Select(i => -3.0 + 6.0 * i / (TraversalSteps - 1)).ToArray();
            var points = new float[dims.Length * TraversalSteps * k];
            for (int r = 0; r < dims.Length; r++)
                for (int c = 0; c < TraversalSteps; c++)
                {
                    var p = points.AsSpan((r * TraversalSteps + c) * k, k);
                    start.CopyTo(p);
                    p[dims[r]] = (float)values[c];
                }
            var decoded = inference.Decode(points);
            figures.Add(ImageGrid.Traversal(folder, Enumerable.Range(0, dims.Length * TraversalSteps).Select(i => Image(decoded, i)).ToArray(), shape,
                dims, values));
        }

        var spec = vae.Spec;
        var summary = new ReportSummary(data.Source, n, d,
            $"{d}-{string.Join("-", spec.EncoderHidden)}-{k} ({string.Join(", ",
                spec.Layout.Blocks.GroupBy(b => b.Kind).Select(g => $"{g.Key.ToString().ToLowerInvariant()} x{g.Sum(b => b.Length)}"))})",
            model.Training?.History.Count, diagnostics?.ActiveUnits, k, model.Threshold.Value,
            $"{model.Threshold.Method}, {model.Threshold.Fraction:G3}");
        string index = ReportIndex.Write(folder, summary, figures);
        return [.. figures.Select(f => f.File), index];
    }

    /// <summary>The first <paramref name="max"/> rows' features and labels.</summary>
    private static (float[] Rows, float[]? Labels) Head(Dataset data, int max)
    {
        var columns = data.HasLabels ? new[] { RowsDataView.FeaturesColumn, RowsDataView.LabelColumn } : [RowsDataView.FeaturesColumn];
        var chunk = ColumnChunks.Read(data.View, max, columns).FirstOrDefault()
            ?? throw new InvalidDataException($"{data.Source}: no rows to report on");
        return (chunk[RowsDataView.FeaturesColumn], data.HasLabels ? chunk[RowsDataView.LabelColumn] : null);
    }

    private static string ClassName(float label, IReadOnlyList<string>? names) =>
        float.IsNaN(label) ? "?"
        : names is not null && label >= 0 && label < names.Count && label == MathF.Floor(label) ? names[(int)label]
        : label.ToString("G", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An estimate repeated with <see cref="GapRepeats"/> seeds: the mean of the repeats and their range.</summary>
    private static T Spread<T>(Func<int, double> estimate, Func<double, double, double, T> point)
    {
        var values = Enumerable.Range(1, GapRepeats).Select(estimate).ToArray();
        return point(values.Average(), values.Min(), values.Max());
    }
}
