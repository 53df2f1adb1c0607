using MlNetVae.Engine.Randomness;
using MlNetVae.Inference;
using MlNetVae.Training;

namespace MlNetVae.Tests.Scores;

/// <summary>
/// A generated table whose anomalies each break exactly one known column, the others staying on the normal manifold:
/// the data behind the explanation acceptance (a small test here, a larger run in the benchmarks' <c>explain</c> mode,
/// which links this file). Three hidden factors drive every column: each numeric column is a seeded mix of a linear, a
/// quadratic and a saturating function of them, in its own units and offset, plus noise of 5% of its spread; the
/// categorical columns are thresholds of factor sums (one-hot groups of 3 slots, after the numeric columns). A broken
/// numeric column moves by 1.5 to 3 of its spread from where its factors put it; a broken categorical column takes
/// another category.
/// </summary>
internal sealed class BrokenColumns
{
    private const int Factors = 3, Categories = 3;
    private const float Noise = 0.05f;
    private readonly float[,] _weights;
    private readonly float[] _units, _offsets, _spread;

    /// <summary>The table's shape, drawn from <paramref name="seed"/>.</summary>
    public BrokenColumns(int numeric, int categorical, int seed)
    {
        (Numeric, Categorical) = (numeric, categorical);
        var rng = new Rng((ulong)seed);
        _weights = new float[numeric, 3];
        (_units, _offsets) = (new float[numeric], new float[numeric]);
        for (int j = 0; j < numeric; j++)
        {
            for (int t = 0; t < 3; t++) _weights[j, t] = 2 * rng.NextFloat() - 1;
            _units[j] = MathF.Pow(10, 4 * rng.NextFloat() - 1);
            _offsets[j] = (200 * rng.NextFloat() - 100) * _units[j];
        }
        // Each column's spread over the factors, so that noise and breaks are in its own scale.
        var sample = new Rng((ulong)seed ^ 0x5EEDUL);
        var z = new float[Factors];
        var (sum, squares) = (new double[numeric], new double[numeric]);
        const int draws = 20_000;
        for (int i = 0; i < draws; i++)
        {
            sample.FillNormal(z);
            for (int j = 0; j < numeric; j++)
            {
                double v = Signal(j, z);
                (sum[j], squares[j]) = (sum[j] + v, squares[j] + v * v);
            }
        }
        _spread = Enumerable.Range(0, numeric).Select(j => (float)Math.Sqrt(squares[j] / draws - sum[j] / draws * (sum[j] / draws))).ToArray();
    }

    /// <summary>Numeric columns, then categorical ones.</summary>
    public int Numeric { get; }

    /// <summary>Categorical columns (3 categories each, one-hot).</summary>
    public int Categorical { get; }

    /// <summary>Features per row: the numeric columns and the one-hot slots.</summary>
    public int Features => Numeric + Categories * Categorical;

    /// <summary>Explained features per row: each column once.</summary>
    public int Columns => Numeric + Categorical;

    /// <summary>The one-hot groups, for <see cref="VaeOptions.CategoricalGroups"/>.</summary>
    public (int Start, int Length)[] Groups => Enumerable.Range(0, Categorical).Select(c => (Numeric + Categories * c, Categories)).ToArray();

    /// <summary>Column names: x0.., then mode0...</summary>
    public string[] Names => [.. Enumerable.Range(0, Numeric).Select(j => $"x{j}"), .. Enumerable.Range(0, Categorical).Select(c => $"mode{c}")];

    /// <summary><paramref name="count"/> rows, flat [count, Features]; each row's broken column, or -1 for normal rows (every <paramref name="anomalyEvery"/>-th row is broken when above 0).</summary>
    public (float[] Rows, int[] Broken) Rows(int count, int seed, int anomalyEvery = 0)
    {
        var rng = new Rng((ulong)seed);
        var rows = new float[count * Features];
        var broken = new int[count];
        var z = new float[Factors];
        var noise = new float[Numeric];
        for (int i = 0; i < count; i++)
        {
            rng.FillNormal(z);
            rng.FillNormal(noise);
            var row = rows.AsSpan(i * Features, Features);
            broken[i] = anomalyEvery > 0 && i % anomalyEvery == anomalyEvery - 1 ? rng.NextInt(Columns) : -1;
            for (int j = 0; j < Numeric; j++)
            {
                float shift = broken[i] == j ? (rng.NextFloat() < 0.5f ? -1 : 1) * (1.5f + 1.5f * rng.NextFloat()) : 0;
                row[j] = _offsets[j] + _units[j] * (Signal(j, z) + _spread[j] * (Noise * noise[j] + shift));
            }
            for (int c = 0; c < Categorical; c++)
            {
                float u = z[c % Factors] + 0.5f * z[(c + 1) % Factors];
                int category = u < -0.6f ? 0 : u < 0.6f ? 1 : 2;
                if (broken[i] == Numeric + c) category = (category + 1 + rng.NextInt(Categories - 1)) % Categories;
                row[Numeric + Categories * c + category] = 1;
            }
        }
        return (rows, broken);
    }

    /// <summary>
    /// Trains the tables' default model on <paramref name="train"/> normal rows, sets the threshold at 1% false positives
    /// on <paramref name="calibration"/> more, and scores <paramref name="test"/> rows of which every tenth is broken. Per
    /// flagged anomaly: its broken column and the column of its largest contribution, as a confusion matrix [broken, named].
    /// </summary>
    public int[,] Confusion(int train, int calibration, int test, int seed, VaeOptions? options = null)
    {
        var (trainRows, _) = Rows(train, seed + 1);
        var (model, _) = VaeTrainer.Train(trainRows, Features, (options ?? new VaeOptions()) with { CategoricalGroups = Groups, Seed = seed, Backend = Backends.TrainingBackends.Managed });
        var scorer = new AnomalyScorer(model);
        var threshold = AnomalyThreshold.FromFalsePositiveRate(scorer.Score(Rows(calibration, seed + 2).Rows), 0.01);
        var (testRows, broken) = Rows(test, seed + 3, anomalyEvery: 10);
        var scores = scorer.Score(testRows);
        var (contributions, _) = scorer.Contributions(testRows, model.Spec.Score);
        var confusion = new int[Columns, Columns];
        for (int i = 0; i < broken.Length; i++)
        {
            if (broken[i] < 0 || !threshold.IsAnomaly(scores[i])) continue;
            var row = contributions.AsSpan(i * Columns, Columns);
            confusion[broken[i], row.IndexOf(System.Numerics.Tensors.TensorPrimitives.Max(row))]++;
        }
        return confusion;
    }

    /// <summary>The confusion matrix as text: one line per broken column, counts per named column, the rate named right.</summary>
    public string Describe(int[,] confusion)
    {
        var names = Names;
        var lines = new List<string> { "broken \\ named  " + string.Join(" ", names.Select(n => $"{n,6}")) + "   right" };
        for (int b = 0; b < Columns; b++)
        {
            int total = Enumerable.Range(0, Columns).Sum(n => confusion[b, n]);
            lines.Add($"{names[b],-15} " + string.Join(" ", Enumerable.Range(0, Columns).Select(n => $"{confusion[b, n],6}")) + $"   {confusion[b, b]}/{total}");
        }
        return string.Join("\n", lines);
    }

    /// <summary>The share of flagged anomalies whose largest contribution names the broken column, and how many were flagged.</summary>
    public static (double Rate, int Flagged) Named(int[,] confusion)
    {
        int right = 0, all = 0;
        for (int b = 0; b < confusion.GetLength(0); b++)
            for (int n = 0; n < confusion.GetLength(1); n++) (right, all) = (right + (b == n ? confusion[b, n] : 0), all + confusion[b, n]);
        return (all == 0 ? 0 : right / (double)all, all);
    }

    /// <summary>Column <paramref name="j"/>'s noiseless value before its units and offset: a linear, a quadratic and a saturating term of the factors.</summary>
    private float Signal(int j, ReadOnlySpan<float> z) =>
        _weights[j, 0] * z[j % Factors] + _weights[j, 1] * 0.5f * z[(j + 1) % Factors] * z[(j + 1) % Factors] + _weights[j, 2] * 2 * MathF.Tanh(z[(j + 2) % Factors]);
}
