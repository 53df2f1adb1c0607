using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetVae.ML;
using NUnit.Framework;

namespace MlNetVae.Tests.ML;

/// <summary>The VAE behaves as ML.NET's own components do: seed and log from the MLContext, clear errors for too little data, and ConvertToOnnx.</summary>
public class MlNetHabitsTests
{
    private static readonly SensorRow[] Rows = SensorRows.Make(300, seed: 5);

    private static float[] Scores(MLContext ml, VaeOptions options)
    {
        var data = ml.Data.LoadFromEnumerable(Rows);
        var model = SensorRows.Pipeline(ml, options).Fit(data);
        return model.Transform(data).GetColumn<float>("Score").ToArray();
    }

    [Test]
    public void TheSeedComesFromTheMlContextUnlessTheOptionsSetOne()
    {
        var options = SensorRows.Tiny with { Epochs = 2 };
        Assert.That(options.Seed, Is.Null, "the options leave the seed to the context");
        Assert.That(Scores(new MLContext(seed: 1), options), Is.EqualTo(Scores(new MLContext(seed: 1), options)), "same context seed, same model");
        Assert.That(Scores(new MLContext(seed: 2), options), Is.Not.EqualTo(Scores(new MLContext(seed: 1), options)), "another seed, another model");
        Assert.That(Scores(new MLContext(seed: 2), options with { Seed = 7 }), Is.EqualTo(Scores(new MLContext(seed: 1), options with { Seed = 7 })),
            "a seed in the options wins over the context's");
        var estimator = new MLContext(seed: 3).AnomalyDetection.Trainers.VariationalAutoencoder(options);
        Assert.That(estimator.Options.Seed, Is.Not.Null, "the seed drawn is the one the model records");
    }

    [Test]
    public void TrainingProgressAndWarningsReachTheMlContextLog()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<LoggingEventArgs>();
        ml.Log += (_, e) =>
        {
            lock (messages) messages.Add(e);
        };
        var data = ml.Data.LoadFromEnumerable(Rows[..60]);
        SensorRows.Pipeline(ml, SensorRows.Tiny with { Epochs = 3 }).Fit(data);
        var ours = messages.Where(m => m.Source.Contains("VariationalAutoencoder", StringComparison.Ordinal)).ToArray();
        Assert.That(ours.Where(m => m.Kind == ChannelMessageKind.Info).Select(m => m.RawMessage).Where(m => m.StartsWith("epoch ")).ToArray(), Has.Length.EqualTo(3));
        Assert.That(ours.Where(m => m.Kind == ChannelMessageKind.Info).Select(m => m.RawMessage), Has.Some.StartWith("trained 3 epochs on 60 rows"));
        Assert.That(ours.Where(m => m.Kind == ChannelMessageKind.Warning).Select(m => m.RawMessage),
            Is.EqualTo(new[]
            {
                "only 60 rows to train on: the model and its threshold will be rough (a VAE wants 100 rows or more)",
                "the threshold rests on the 6 highest scores of 60 training rows: it will move a lot with more data",
            }));
    }

    [TestCase(1)]
    [TestCase(9)]
    public void TooFewRowsToTrainIsAClearError(int rows)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows[..rows]);
        Assert.That(() => SensorRows.Pipeline(ml, SensorRows.Tiny).Fit(data),
            Throws.ArgumentException.With.Message.EqualTo($"the input has {rows} rows; the VAE needs at least {VaeEstimator.MinimumRows} to train and set a threshold (and hundreds or more for a reliable one)"));
    }

    [Test]
    public void TooFewRowsToSetTheThresholdIsAClearErrorAndFewAWarning()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows[..50]);
        // 10% held out of 50 rows is 5 rows: a 1% false-positive rate would flag none of them.
        Assert.That(() => SensorRows.Pipeline(ml, SensorRows.Tiny with { ValidationFraction = 0.1f, FalsePositiveRate = 0.01 }).Fit(data),
            Throws.ArgumentException.With.Message.EqualTo("5 held-out rows cannot set a threshold for a false-positive rate of 0.01: it needs at least 100"));
        var warnings = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Kind == ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.RawMessage);
        };
        SensorRows.Pipeline(ml, SensorRows.Tiny with { Contamination = 0.1 }).Fit(data);
        Assert.That(warnings, Has.Some.EqualTo("the threshold rests on the 5 highest scores of 50 training rows: it will move a lot with more data"));
    }

    [Test]
    public void ConvertToOnnxRefusesWithTheExportThatWorksInsteadOfWritingAGraphThatComputesNothing()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var model = SensorRows.Pipeline(ml, SensorRows.Tiny with { Epochs = 1 }).Fit(data);
        using var stream = new MemoryStream();
        Assert.That(() => ml.Model.ConvertToOnnx(model, data, stream), Throws.InstanceOf<NotSupportedException>().With.Message.EqualTo(OnnxConversion.Message));
        Assert.That(stream.Length, Is.Zero, "nothing written");
        // The check looks for ML.NET's converter on the stack: if a new ML.NET moves it, this fails first.
        Assert.That(Type.GetType($"{OnnxConversion.Converter}, Microsoft.ML.OnnxConverter"), Is.Not.Null);
        // Outside ConvertToOnnx, Transform is unaffected.
        Assert.That(model.Transform(data).GetColumn<float>("Score").Count(), Is.EqualTo(Rows.Length));
    }

    /// <summary>The one read of ML.NET internals: a catalog's environment. If a new ML.NET moves it, this fails loudly.</summary>
    [Test]
    public void TheCatalogEnvironmentIsWhereTheVaeReadsIt()
    {
        var ml = new MLContext(seed: 1);
        Assert.That(typeof(TransformsCatalog).Assembly.GetType(CatalogEnvironment.Interface), Is.Not.Null);
        foreach (object catalog in new object[] { ml.Transforms, ml.AnomalyDetection.Trainers, ml.Model, ml.AnomalyDetection })
            Assert.That(CatalogEnvironment.Of(catalog), Is.InstanceOf<IHostEnvironment>(), catalog.GetType().Name);
    }
}
