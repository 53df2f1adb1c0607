using MlNetVae.Backends;
using MlNetVae.Engine.Nn;
using MlNetVae.Engine.Randomness;
using MlNetVae.Spec;
using MlNetVae.Training;

namespace MlNetVae.Tests.Graph;

/// <summary>The likelihood mixes the one-definition tests run on.</summary>
public enum ModelKind
{
    /// <summary>12 features in [0, 1], one value in 5 exactly 0 or 1.</summary>
    Bernoulli,
    /// <summary>8 real features of scales from about 1 to 1e5.</summary>
    Gaussian,
    /// <summary>5 Bernoulli features, 4 Gaussian, a 3-slot and a 2-slot one-hot group.</summary>
    Mixed,
}

/// <summary>Small models of each likelihood mix, untrained or briefly trained, with 1000 rows in their raw units.</summary>
internal static class TestModels
{
    private static readonly Dictionary<(ModelKind, bool), (VaeModelParameters, float[])> Cache = [];

    /// <summary>The options the test models are built with (Tanh for the Gaussian model, so more than ReLU is exercised).</summary>
    public static VaeOptions Options(ModelKind kind) => new()
    {
        EncoderHidden = [24, 16], LatentSize = 3, BatchSize = 50, Epochs = 4, LearningRate = 3e-3f, Seed = 7,
        Activation = kind == ModelKind.Gaussian ? Activation.Tanh : Activation.Relu, Threads = 1, Backend = TrainingBackends.Managed,
    };

    /// <summary>The model (trained for 4 epochs when <paramref name="trained"/>) and 1000 rows, flat [1000, D].</summary>
    public static (VaeModelParameters Model, float[] Rows) Get(ModelKind kind, bool trained)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue((kind, trained), out var cached)) return cached;
            var rows = Rows(kind, 1000);
            var stats = Statistics(kind, rows);
            var spec = VaeSpec.Resolve(Options(kind), stats.Layout);
            var initial = spec.Initialize(stats, spec.Options.Seed!.Value);
            var model = trained ? VaeTrainer.Train(spec, initial, rows).Model : new VaeModelParameters(spec, initial);
            return Cache[(kind, trained)] = (model, rows);
        }
    }

    public static int Features(ModelKind kind) => kind switch { ModelKind.Bernoulli => 12, ModelKind.Gaussian => 8, _ => 14 };

    /// <summary>Rows of the kind, flat.</summary>
    public static float[] Rows(ModelKind kind, int count) => kind switch
    {
        ModelKind.Bernoulli => Saturated(TestData.UnitRows(count, 12, 3)),
        ModelKind.Gaussian => Widened(TestData.GaussianRows(count, 8, 4)),
        _ => MixedRows(count),
    };

    /// <summary>The mixed model's layout is set by hand (Fit gives every numeric feature one likelihood).</summary>
    public static FeatureLayout MixedLayout { get; } = new(
    [
        new(FeatureKind.Bernoulli, 0, 5), new(FeatureKind.Gaussian, 5, 4), new(FeatureKind.Categorical, 9, 3), new(FeatureKind.Categorical, 12, 2),
    ]);

    public static FeatureStatistics Statistics(ModelKind kind, float[] rows)
    {
        if (kind != ModelKind.Mixed) return FeatureStatistics.Fit(rows, Features(kind), Options(kind));
        var gaussian = FeatureStatistics.Fit(rows, 14, Options(kind) with { Likelihood = LikelihoodKind.Gaussian, CategoricalGroups = [(9, 3), (12, 2)] });
        var mean = gaussian.Mean.ToArray();
        var scale = gaussian.Scale.ToArray();
        for (int c = 0; c < 5; c++) (mean[c], scale[c]) = (0, 1);
        return new FeatureStatistics(MixedLayout, mean, scale);
    }

    /// <summary>Rounds every fifth value to exactly 0 or 1, as saturated pixels are (the 0 log 0 case of the divergence).</summary>
    private static float[] Saturated(float[] rows)
    {
        for (int i = 0; i < rows.Length; i += 5) rows[i] = MathF.Round(rows[i]);
        return rows;
    }

    /// <summary>Multiplies the features of scale 1000 (3 and 7) by 100 more: standard deviations in the 1e5s.</summary>
    private static float[] Widened(float[] rows)
    {
        for (int r = 0; r < rows.Length / 8; r++)
        {
            rows[r * 8 + 3] *= 100;
            rows[r * 8 + 7] *= 100;
        }
        return rows;
    }

    private static float[] MixedRows(int count)
    {
        var unit = Saturated(TestData.UnitRows(count, 5, 5));
        var real = TestData.GaussianRows(count, 4, 6);
        var rng = new Rng(9);
        var rows = new float[count * 14];
        for (int r = 0; r < count; r++)
        {
            var row = rows.AsSpan(r * 14, 14);
            unit.AsSpan(r * 5, 5).CopyTo(row);
            real.AsSpan(r * 4, 4).CopyTo(row[5..]);
            row[9 + (int)(rng.NextFloat() * 2.999f)] = 1f;
            row[12 + (unit[r * 5] > 0.5f ? 1 : 0)] = 1f;
        }
        return rows;
    }
}
