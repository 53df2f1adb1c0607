using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Engine.Randomness;
using MlNetVae.ML;
using MlNetVae.Spec;

namespace MlNetVae.Tests.ML;

/// <summary>One input row of the ML.NET tests: four readings driven by two hidden factors, and a 0/1 label.</summary>
public sealed record SensorRow
{
    public float A { get; set; }
    public float B { get; set; }
    public float C { get; set; }
    public float D { get; set; }
    public float Label { get; set; }
}

/// <summary>What a PredictionEngine returns for a row.</summary>
public sealed class VaePrediction
{
    public float Score { get; set; }
    public bool PredictedLabel { get; set; }
    public float[] LatentMean { get; set; } = [];
    public float[] Reconstruction { get; set; } = [];
    public float NegElbo { get; set; }
}

/// <summary>Deterministic data and the pipeline the acceptance tests fit: Concatenate, NormalizeMeanVariance, VAE.</summary>
internal static class SensorRows
{
    public static readonly string[] Inputs = ["A", "B", "C", "D"];

    /// <summary>A model small enough to fit in milliseconds, big enough to separate far anomalies.</summary>
    public static VaeOptions Tiny => new() { EncoderHidden = [8], LatentSize = 2, Epochs = 6, BatchSize = 32, LearningRate = 0.01f };

    /// <summary><paramref name="rows"/> rows; every <paramref name="anomalyEvery"/>-th (when > 0) is off the two-factor pattern and labelled 1.</summary>
    public static SensorRow[] Make(int rows, int seed, int anomalyEvery = 0)
    {
        var rng = new Rng((ulong)seed);
        Span<float> z = stackalloc float[6];
        var result = new SensorRow[rows];
        for (int i = 0; i < rows; i++)
        {
            rng.FillNormal(z);
            bool anomaly = anomalyEvery > 0 && i % anomalyEvery == anomalyEvery - 1;
            var row = new SensorRow
            {
                A = 10 + 2 * z[0] + 0.1f * z[2],
                B = 5 - z[0] + z[1] + 0.1f * z[3],
                C = 3 * z[1] + 0.1f * z[4],
                D = 100 + 5 * z[0] - 5 * z[1] + 0.5f * z[5],
                Label = anomaly ? 1 : 0,
            };
            if (anomaly) row.D -= 60 + 10 * z[2]; // breaks the pattern D = 100 + 5 A' - 5 C'
            result[i] = row;
        }
        return result;
    }

    public static IEstimator<ITransformer> Pipeline(MLContext ml, VaeOptions options) =>
        ml.Transforms.Concatenate("Features", Inputs)
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.AnomalyDetection.Trainers.VariationalAutoencoder(options));

    /// <summary>The rows as a tab-separated file with a header (numbers in round-trip form), for a loader in another process.</summary>
    public static void WriteTsv(string path, IEnumerable<SensorRow> rows)
    {
        static string N(float v) => v.ToString("R", CultureInfo.InvariantCulture);
        File.WriteAllLines(path, ["A\tB\tC\tD\tLabel", .. rows.Select(r => string.Join('\t', N(r.A), N(r.B), N(r.C), N(r.D), N(r.Label)))]);
    }

    /// <summary>The last step of a fitted pipeline: the VAE.</summary>
    public static VaeTransformer Vae(ITransformer pipeline) => ((IEnumerable<ITransformer>)pipeline).Last() as VaeTransformer
        ?? throw new InvalidOperationException("the pipeline does not end with the VAE");

    /// <summary>A view of a single feature column, for tests of the VAE step alone.</summary>
    public static IDataView Features(MLContext ml, float[][] rows, int width)
    {
        var definition = SchemaDefinition.Create(typeof(FeatureRow));
        definition[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new FeatureRow { Features = r }), definition);
    }

    public sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}
