using MlNetVae.Engine.Nn;
using MlNetVae.Engine.Randomness;
using MlNetVae.Tests.Vae;
using MlNetVae.Vae;

namespace MlNetVae.Tests.Onnx;

/// <summary>Small models of each likelihood mix, untrained or briefly trained, with rows to feed them.</summary>
public static class OnnxTestModels
{
    public enum Kind { Bernoulli, Gaussian, Mixed }

    private static readonly Dictionary<(Kind, bool), (VaeModel, float[][])> Cache = [];

    /// <summary>The model (trained for a few epochs when <paramref name="trained"/>) and 1000 rows in its raw units.</summary>
    internal static (VaeModel Model, float[][] Rows) Get(Kind kind, bool trained)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue((kind, trained), out var cached)) return cached;
            var rows = Rows(kind, 1000);
            var options = new VaeOptions
            {
                EncoderHidden = [24, 16], LatentSize = 3, BatchSize = 50, Epochs = 4, LearningRate = 3e-3f, Seed = 7,
                Activation = kind == Kind.Gaussian ? Activation.Elu : Activation.Relu,
                Threads = 1,
            };
            var model = new VaeModel(options, Preprocess(kind, rows, options));
            if (trained) VaeTrainer.Train(model, rows);
            return Cache[(kind, trained)] = (model, rows);
        }
    }

    /// <summary>
    /// Bernoulli: 12 columns in [0, 1], one value in 5 exactly 0 or 1 (the 0 log 0 case of the scores). Gaussian:
    /// 8 columns of scales from about 1 to 1e5. Mixed: 5 unit columns (saturated likewise), 4 Gaussian, a 3-slot and
    /// a 2-slot one-hot group.
    /// </summary>
    internal static float[][] Rows(Kind kind, int count) => kind switch
    {
        Kind.Bernoulli => Saturated(TestData.UnitRows(count, 12, 3)),
        Kind.Gaussian => Widened(TestData.GaussianRows(count, 8, 4)),
        _ => MixedRows(count),
    };

    /// <summary>Rounds every fifth value to exactly 0 or 1, as saturated pixels are.</summary>
    private static float[][] Saturated(float[][] rows)
    {
        int i = 0;
        foreach (var row in rows)
            for (int j = 0; j < row.Length; j++)
                if (i++ % 5 == 0) row[j] = MathF.Round(row[j]);
        return rows;
    }

    /// <summary>Multiplies the columns of scale 1000 (3 and 7) by 100 more: standard deviations in the 1e5s.</summary>
    private static float[][] Widened(float[][] rows)
    {
        foreach (var row in rows) (row[3], row[7]) = (row[3] * 100, row[7] * 100);
        return rows;
    }

    private static float[][] MixedRows(int count)
    {
        var unit = Saturated(TestData.UnitRows(count, 5, 5));
        var real = TestData.GaussianRows(count, 4, 6);
        var rng = new Rng(9);
        return Enumerable.Range(0, count).Select(r =>
        {
            var row = new float[14];
            unit[r].CopyTo(row, 0);
            real[r].CopyTo(row, 5);
            row[9 + (int)(rng.NextFloat() * 2.999f)] = 1f;
            row[12 + (unit[r][0] > 0.5f ? 1 : 0)] = 1f;
            return row;
        }).ToArray();
    }

    /// <summary>Fit preprocessing; the mixed model's column kinds are set by hand (Fit gives all numeric columns one kind).</summary>
    private static Preprocessor Preprocess(Kind kind, float[][] rows, VaeOptions options)
    {
        if (kind != Kind.Mixed) return Preprocessor.Fit(rows, options);
        var kinds = new ColumnKind[14];
        var mean = new float[14];
        var scale = new float[14];
        Array.Fill(scale, 1f);
        for (int c = 0; c < 14; c++)
        {
            kinds[c] = c < 5 ? ColumnKind.Bernoulli : c < 9 ? ColumnKind.Gaussian : ColumnKind.Categorical;
            if (kinds[c] != ColumnKind.Gaussian) continue;
            mean[c] = rows.Average(r => r[c]);
            scale[c] = MathF.Sqrt(rows.Average(r => (r[c] - mean[c]) * (r[c] - mean[c])));
        }
        return new Preprocessor(kinds, mean, scale, [(9, 3), (12, 2)]);
    }
}
