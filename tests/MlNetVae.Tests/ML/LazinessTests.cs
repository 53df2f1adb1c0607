using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.ML;
using MlNetVae.Scores;
using MlNetVae.Spec;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>
/// The transform is lazy and computes only what is read: nothing runs until a cursor reads an output column, the
/// model then runs once per batch, and reading only the latent mean never runs the decoder (counted by the decoder
/// passes the scorer graph records on this thread).
/// </summary>
public class LazinessTests
{
    private static readonly MLContext Ml = new(seed: 1);
    private static readonly float[][] Rows = SensorRows.Make(1000, seed: 3).Select(r => new[] { r.A / 10, r.B / 3, r.C / 3, r.D / 100 - 1 }).ToArray();
    private static readonly Lazy<VaeTransformer> Model = new(() =>
        new VaeEstimator(SensorRows.Tiny with { Epochs = 2 }).Fit(SensorRows.Features(Ml, Rows[..200], 4)));

    /// <summary>Reads every row of <paramref name="columns"/> and returns the decoder passes that took.</summary>
    private static long Read(IDataView view, params string[] columns)
    {
        long before = ScorerGraph.DecoderPasses;
        using var cursor = view.GetRowCursor(columns.Select(c => view.Schema[c]));
        var getters = columns.Select(c => view.Schema[c].Type is VectorDataViewType
            ? (Action)(() => { VBuffer<float> v = default; cursor.GetGetter<VBuffer<float>>(view.Schema[c])(ref v); Assert.That(v.DenseValues(), Has.All.Matches<float>(float.IsFinite)); })
            : view.Schema[c].Type is BooleanDataViewType ? () => { bool b = false; cursor.GetGetter<bool>(view.Schema[c])(ref b); }
            : () => { float f = 0; cursor.GetGetter<float>(view.Schema[c])(ref f); Assert.That(float.IsFinite(f)); }).ToArray();
        int rows = 0;
        while (cursor.MoveNext())
        {
            foreach (var get in getters) get();
            rows++;
        }
        Assert.That(rows, Is.EqualTo(Rows.Length));
        return ScorerGraph.DecoderPasses - before;
    }

    [Test]
    public void TransformReadsNoRowUntilACursorReadsAnOutputColumn()
    {
        var input = new CountingView(SensorRows.Features(Ml, Rows, 4));
        var view = Model.Value.Transform(input);
        _ = view.Schema;
        Assert.That((input.Cursors, input.Rows), Is.EqualTo((0, 0L)), "Transform and Schema read nothing");
        Assert.That(Read(view, "Features"), Is.Zero, "an input column alone never runs the model");
        Assert.That(input.Cursors, Is.EqualTo(1), "and needs no look-ahead cursor");
    }

    [Test]
    public void ACursorOverTheLatentMeanAloneNeverRunsTheDecoder()
    {
        var view = Model.Value.Transform(SensorRows.Features(Ml, Rows, 4));
        Assert.That(Read(view, "LatentMean"), Is.Zero);
        // The counter does count: every column that needs the decoder runs it once per batch of 512 rows, however many are read.
        Assert.That(Read(view, "Score"), Is.EqualTo(2));
        Assert.That(Read(view, "Reconstruction"), Is.EqualTo(2));
        Assert.That(Read(view, "LatentMean", "Score", "PredictedLabel", "Reconstruction", "NegElbo"), Is.EqualTo(2));
        var small = Model.Value.WithOptions(o => o with { InferenceBatchSize = 100 }).Transform(SensorRows.Features(Ml, Rows, 4));
        Assert.That(Read(small, "NegElbo"), Is.EqualTo(10));
    }

    [Test]
    public void PredictionEngineDecodesOnlyForColumnsThatNeedIt()
    {
        var embedding = Model.Value.WithOptions(o => o with { OutputColumns = VaeColumns.LatentMean });
        using var engine = Ml.Model.CreatePredictionEngine<SensorRows.FeatureRow, Embedding>(embedding, inputSchemaDefinition: Definition());
        long before = ScorerGraph.DecoderPasses;
        var means = Rows[..20].Select(r => engine.Predict(new SensorRows.FeatureRow { Features = r }).LatentMean).ToArray();
        Assert.That(ScorerGraph.DecoderPasses - before, Is.Zero);
        Assert.That(means, Has.All.Length.EqualTo(2));
        Assert.That(means.Select(m => m[0]).Distinct().Count(), Is.EqualTo(20), "one computation per row");
    }

    [Test]
    public void TheTransformCatalogEntryAddsOnlyTheLatentMeanAndTheReconstructionWhenAsked()
    {
        var data = SensorRows.Features(Ml, Rows[..300], 4);
        var embedding = Ml.Transforms.VariationalAutoencoder("Embedding", "Features", latentSize: 3).Fit(data);
        var view = embedding.Transform(data);
        Assert.That(view.Schema.Select(c => (c.Name, c.Type.ToString())), Is.EqualTo(new[] { ("Features", "Vector<Single, 4>"), ("Embedding", "Vector<Single, 1, 3>") }));
        Assert.That(Read(embedding.Transform(SensorRows.Features(Ml, Rows, 4)), "Embedding"), Is.Zero);

        var both = Ml.Transforms.VariationalAutoencoder("Embedding", "Features", latentSize: 3, reconstructionColumnName: "Denoised").Fit(data);
        Assert.That(both.Transform(data).Schema.Select(c => (c.Name, c.Type.ToString())),
            Is.EqualTo(new[] { ("Features", "Vector<Single, 4>"), ("Embedding", "Vector<Single, 1, 3>"), ("Denoised", "Vector<Single, 1, 4>") }));

        // Saved and reloaded, the transform keeps exactly those columns.
        using var stream = new MemoryStream();
        Ml.Model.Save(both, data.Schema, stream);
        stream.Position = 0;
        var reloaded = Ml.Model.Load(stream, out _).Transform(data);
        Assert.That(reloaded.Schema.Where(c => !c.IsHidden).Select(c => (c.Name, c.Type.ToString())),
            Is.EqualTo(both.Transform(data).Schema.Select(c => (c.Name, c.Type.ToString()))));
        Assert.That(reloaded.GetColumn<float[]>("Embedding").First(), Is.EqualTo(view.GetColumn<float[]>("Embedding").First()).Within(1e-5));
    }

    private static SchemaDefinition Definition()
    {
        var definition = SchemaDefinition.Create(typeof(SensorRows.FeatureRow));
        definition[nameof(SensorRows.FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 4);
        return definition;
    }

    public sealed class Embedding
    {
        public float[] LatentMean { get; set; } = [];
    }
}
