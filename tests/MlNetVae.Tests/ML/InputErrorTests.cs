using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.ML;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>
/// Wrong input: a mistyped, missing or wrong-width feature column fails before any row is read (and before training)
/// with a message naming the column, what it is and what is expected; a NaN names the column, the row and the slot.
/// </summary>
public class InputErrorTests
{
    private static readonly MLContext Ml = new(seed: 1);
    private static readonly float[][] Rows = SensorRows.Make(200, seed: 4).Select(r => new[] { r.A / 10, r.B / 3, r.C / 3, r.D / 100 - 1 }).ToArray();
    private static readonly Lazy<VaeTransformer> Model = new(() => Estimators.For(SensorRows.Tiny with { Epochs = 1 }).Fit(SensorRows.Features(Ml, Rows, 4)));

    public sealed class DoubleRow
    {
        [VectorType(4)] public double[] Features { get; set; } = [];
    }

    public sealed class ScalarRow
    {
        public float Features { get; set; }
    }

    public sealed class FourRow
    {
        [VectorType(4)] public float[] Features { get; set; } = [];
    }

    public sealed class VariableRow
    {
        [VectorType] public float[] Features { get; set; } = [];
    }

    private static IEnumerable<TestCaseData> BadColumns()
    {
        yield return new TestCaseData(Ml.Data.LoadFromEnumerable(new[] { new DoubleRow { Features = [1, 2, 3, 4] } }),
            "column 'Features' has type Vector<Double, 4>; the VAE needs a known-size vector of Single (Vector<Single, D>), e.g. from mlContext.Transforms.Concatenate").SetName("DoubleVector");
        yield return new TestCaseData(Ml.Data.LoadFromEnumerable(new[] { new ScalarRow { Features = 1 } }),
            "column 'Features' has type Single; the VAE needs a known-size vector of Single").SetName("Scalar");
        yield return new TestCaseData(Ml.Data.LoadFromEnumerable(new[] { new VariableRow { Features = [1, 2] } }),
            "column 'Features' has type Vector<Single>; the VAE needs a known-size vector of Single").SetName("VariableSize");
        yield return new TestCaseData(Ml.Data.LoadFromEnumerable(SensorRows.Make(3, seed: 1)),
            "the input has no column 'Features' (columns: A, B, C, D, Label); the VAE reads a known-size vector of Single, e.g. from Concatenate").SetName("Missing");
    }

    [TestCaseSource(nameof(BadColumns))]
    public void ABadFeatureColumnFailsBeforeAnyRowIsRead(IDataView data, string message)
    {
        var counting = new CountingView(data);
        var fit = Assert.Throws<ArgumentOutOfRangeException>(() => Estimators.For(SensorRows.Tiny).Fit(counting))!;
        Assert.That(fit.Message, Does.StartWith(message));
        Assert.That(counting.Cursors, Is.Zero, "nothing read, nothing trained");

        var transform = Assert.Throws<ArgumentOutOfRangeException>(() => Model.Value.Transform(counting))!;
        Assert.That(transform.Message, Does.StartWith(message));
        Assert.Throws<ArgumentOutOfRangeException>(() => Model.Value.GetOutputSchema(counting.Schema));
        Assert.Throws<ArgumentOutOfRangeException>(() => Model.Value.GetRowToRowMapper(counting.Schema));
        Assert.That(counting.Cursors, Is.Zero);
    }

    public sealed class NoColumns;

    /// <summary>The shape of <typeparamref name="T"/>'s columns (SchemaShape.Create is internal to ML.NET; a CustomMapping's output shape is public).</summary>
    private static SchemaShape Shape<T>() where T : class, new() =>
        Ml.Transforms.CustomMapping<NoColumns, T>((_, _) => { }, null).GetOutputSchema(new SchemaShape([]));

    private static IEnumerable<TestCaseData> BadShapes()
    {
        yield return new TestCaseData(Shape<DoubleRow>(), "column 'Features' is Vector of Double; the VAE needs a known-size vector of Single").SetName("ShapeDoubleVector");
        yield return new TestCaseData(Shape<ScalarRow>(), "column 'Features' is Scalar of Single; the VAE needs a known-size vector of Single").SetName("ShapeScalar");
        yield return new TestCaseData(Shape<VariableRow>(), "column 'Features' is VariableVector of Single; the VAE needs a known-size vector of Single").SetName("ShapeVariableSize");
        yield return new TestCaseData(Shape<SensorRow>(), "the input has no column 'Features'; the VAE reads a known-size vector of Single").SetName("ShapeMissing");
    }

    [TestCaseSource(nameof(BadShapes))]
    public void TheEstimatorsShapeCheckFailsFast(SchemaShape shape, string message)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Estimators.For(SensorRows.Tiny).GetOutputSchema(shape))!;
        Assert.That(e.Message, Does.StartWith(message));
    }

    [Test]
    public void AGoodShapeGainsTheOutputColumnsAndAPipelineChecksItsVaeStepBeforeFitting()
    {
        var output = Estimators.For(SensorRows.Tiny).GetOutputSchema(Shape<FourRow>());
        Assert.That(output.Select(c => c.Name), Is.EqualTo(new[] { "Features", "Score", "PredictedLabel", "LatentMean", "Reconstruction", "NegElbo" }));
        Assert.That(output.Single(c => c.Name == "PredictedLabel").ItemType, Is.EqualTo(BooleanDataViewType.Instance));

        // A Double vector copied under another name: the pipeline's shape check stops at the VAE step, naming that column.
        var pipeline = Ml.Transforms.CopyColumns("Raw", "Features").Append(Ml.AnomalyDetection.Trainers.VariationalAutoencoder("Raw"));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.GetOutputSchema(Shape<DoubleRow>()))!;
        Assert.That(e.Message, Does.StartWith("column 'Raw' is Vector of Double; the VAE needs a known-size vector of Single"));
    }

    [Test]
    public void AWrongWidthIsNamedWithTheModelsWidth()
    {
        var five = SensorRows.Features(Ml, Rows.Select(r => (float[])[.. r, 0f]).ToArray(), 5);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Model.Value.Transform(five))!;
        Assert.That(e.Message, Does.StartWith("column 'Features' has 5 slots; the model was trained on 4"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ml.Model.CreatePredictionEngine<SensorRows.FeatureRow, Prediction>(Model.Value, five.Schema));
    }

    [Test]
    public void ANaNInATrainingRowNamesColumnRowAndSlot()
    {
        var rows = Rows.Select(r => (float[])r.Clone()).ToArray();
        rows[7][2] = float.NaN;
        var e = Assert.Throws<InvalidDataException>(() => Estimators.For(SensorRows.Tiny).Fit(SensorRows.Features(Ml, rows, 4)))!;
        Assert.That(e.Message, Is.EqualTo("column 'Features', row 7, slot 2: expected a finite number, found NaN"));
        rows[7][2] = float.NegativeInfinity;
        e = Assert.Throws<InvalidDataException>(() => Estimators.For(SensorRows.Tiny).Fit(SensorRows.Features(Ml, rows, 4)))!;
        Assert.That(e.Message, Is.EqualTo("column 'Features', row 7, slot 2: expected a finite number, found -Infinity"));
    }

    [Test]
    public void ANaNInAScoredRowNamesColumnRowAndSlot()
    {
        var rows = Enumerable.Range(0, 3).SelectMany(_ => Rows).Select(r => (float[])r.Clone()).ToArray();
        rows[530][1] = float.NaN; // in the second batch of 512
        var view = Model.Value.Transform(SensorRows.Features(Ml, rows, 4));
        var e = Assert.Throws<InvalidDataException>(() => view.GetColumn<float>("Score").ToArray())!;
        Assert.That(e.Message, Is.EqualTo("column 'Features', row 530, slot 1: expected a finite number, found NaN"));
        Assert.That(view.GetColumn<float>("Score").Take(512).Count(), Is.EqualTo(512), "the batches before it are scored");

        using var engine = Ml.Model.CreatePredictionEngine<SensorRows.FeatureRow, Prediction>(Model.Value, SensorRows.Features(Ml, rows, 4).Schema);
        var one = Assert.Throws<InvalidDataException>(() => engine.Predict(new SensorRows.FeatureRow { Features = rows[530] }))!;
        Assert.That(one.Message, Does.StartWith("column 'Features', row ").And.EndWith(", slot 1: expected a finite number, found NaN"));
    }

    public sealed class Prediction
    {
        public float Score { get; set; }
    }
}
