using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.ML;
using MlNetVae.Spec;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>
/// The transform is lazy and computes only what is read: nothing runs until a cursor reads an output column, and
/// reading only the latent mean never runs the decoder (shown on a model whose decoder overflows: any output that
/// decodes is refused, the latent mean is not).
/// </summary>
public class LazinessTests
{
    private static readonly MLContext Ml = new(seed: 1);
    private static readonly float[][] Rows = SensorRows.Make(1000, seed: 3).Select(r => new[] { r.A / 10, r.B / 3, r.C / 3, r.D / 100 - 1 }).ToArray();
    private static readonly Lazy<VaeTransformer> Model = new(() =>
        Estimators.For(SensorRows.Tiny with { Epochs = 2 }).Fit(SensorRows.Features(Ml, Rows[..200], 4)));

    /// <summary>
    /// The fitted model with a decoder whose output overflows: its last layer emits 2.3e38 whatever the code, so the
    /// reconstruction (times a scale of 2) and every score are infinite, while the encoder still sees finite rows.
    /// </summary>
    private static readonly Lazy<VaeTransformer> Broken = new(() =>
    {
        var t = Model.Value;
        Assert.That(t.Model.Spec.Layout.Blocks.Select(b => b.Kind), Is.All.EqualTo(FeatureKind.Gaussian), "a Gaussian decoder's mean is its output");
        var state = t.Model.State;
        var last = t.Model.Spec.Decoder[^1];
        Array.Clear(state[last.Weight].Data);
        Array.Fill(state[last.Bias].Data, float.MaxValue / 1.5f);
        Array.Fill(state[VaeSpec.InputScale].Data, 2f);
        return new VaeTransformer(new VaeModelParameters(t.Model.Spec, state, t.Model.ScoreStatistics), t.Options, t.Threshold, t.Training, t.Metadata, null);
    });

    /// <summary>Reads every row of <paramref name="columns"/>, checking every value is finite.</summary>
    private static void Read(IDataView view, params string[] columns)
    {
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
    }

    [Test]
    public void TransformReadsNoRowUntilACursorReadsAnOutputColumn()
    {
        var input = new CountingView(SensorRows.Features(Ml, Rows, 4));
        var view = Model.Value.Transform(input);
        _ = view.Schema;
        Assert.That((input.Cursors, input.Rows), Is.EqualTo((0, 0L)), "Transform and Schema read nothing");
        Read(view, "Features");
        Assert.That(input.Rows, Is.EqualTo((long)Rows.Length), "an input column alone is read once, with no look-ahead");
        Assert.That(input.Cursors, Is.EqualTo(1), "and needs no look-ahead cursor");
    }

    [Test]
    public void ACursorOverTheLatentMeanAloneNeverRunsTheDecoder()
    {
        var view = Broken.Value.Transform(SensorRows.Features(Ml, Rows, 4));
        Read(view, "LatentMean");
        foreach (var column in new[] { "Score", "PredictedLabel", "Reconstruction", "NegElbo" })
            Assert.That(() => Read(view, column), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("the model cannot score this row"), column);
    }

    [Test]
    public void PredictionEngineDecodesOnlyForColumnsThatNeedIt()
    {
        var embedding = Broken.Value.WithOptions(o => o with { OutputColumns = VaeColumns.LatentMean });
        using var engine = Ml.Model.CreatePredictionEngine<SensorRows.FeatureRow, Embedding>(embedding, inputSchemaDefinition: Definition());
        var means = Rows[..20].Select(r => engine.Predict(new SensorRows.FeatureRow { Features = r }).LatentMean).ToArray();
        Assert.That(means, Has.All.Length.EqualTo(2));
        Assert.That(means.SelectMany(m => m), Has.All.Matches<float>(float.IsFinite));
        Assert.That(means.Select(m => m[0]).Distinct().Count(), Is.EqualTo(20), "one computation per row");
    }

    [Test]
    public void TheTransformCatalogEntryAddsOnlyTheLatentMeanAndTheReconstructionWhenAsked()
    {
        var data = SensorRows.Features(Ml, Rows[..300], 4);
        var embedding = Ml.Transforms.VariationalAutoencoder("Embedding", "Features", latentSize: 3).Fit(data);
        var view = embedding.Transform(data);
        Assert.That(view.Schema.Select(c => (c.Name, c.Type.ToString())), Is.EqualTo(new[] { ("Features", "Vector<Single, 4>"), ("Embedding", "Vector<Single, 1, 3>") }));
        Read(embedding.Transform(SensorRows.Features(Ml, Rows, 4)), "Embedding");

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
        Assert.That(reloaded.GetColumn<float[]>("Embedding").First(), Is.EqualTo(both.Transform(data).GetColumn<float[]>("Embedding").First()).Within(1e-5));
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
