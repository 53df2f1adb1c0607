using MlNetVae.Pipeline;
using MlNetVae.Vae;
using NUnit.Framework;

namespace MlNetVae.Tests.Pipeline;

/// <summary>One pipeline component under test: how to fit it, and how to read its data again after loading.</summary>
/// <param name="Name">Shown in failures.</param>
/// <param name="Fit">Fits the transformer (and may calibrate a threshold).</param>
/// <param name="Data">The rows to transform, read for a given transformer (CSV files are read with its schema).</param>
internal sealed record Component(string Name, Func<VaeTransformer> Fit, Func<VaeTransformer, VaeData> Data);

/// <summary>
/// The one check every component goes through: fit -> save -> load -> transform gives identical outputs (bit for bit),
/// and the loaded model carries the same schema, categories, threshold, training metrics, options and weights.
/// </summary>
internal static class RoundTripHarness
{
    public static void Check(Component component, string folder)
    {
        var fitted = component.Fit();
        string path = Path.Combine(folder, $"{component.Name}.vae");
        fitted.Save(path);
        var loaded = VaeTransformer.Load(path);
        var before = component.Data(fitted);
        var after = component.Data(loaded);
        string name = component.Name;

        Assert.That(after.Rows, Is.EqualTo(before.Rows), $"{name}: data read with the loaded schema");
        Assert.That(loaded.FeatureNames, Is.EqualTo(fitted.FeatureNames), $"{name}: feature names");
        Assert.That(loaded.Schema is null, Is.EqualTo(fitted.Schema is null), $"{name}: schema presence");
        if (fitted.Schema is not null)
        {
            Assert.That(loaded.Schema!.SameAs(fitted.Schema), $"{name}: CSV schema and categories");
            Assert.That(loaded.Schema.CategoricalGroups, Is.EqualTo(fitted.Schema.CategoricalGroups), $"{name}: one-hot groups");
        }
        Assert.That(loaded.Threshold, Is.EqualTo(fitted.Threshold), $"{name}: threshold");
        Assert.That(loaded.Training?.History, Is.EqualTo(fitted.Training?.History), $"{name}: training history");
        Assert.That(loaded.Training?.BestEpoch, Is.EqualTo(fitted.Training?.BestEpoch), $"{name}: best epoch");
        AssertSameOptions(fitted.Model.Options, loaded.Model.Options, name);
        Assert.That(loaded.Model.Preprocessor.Kinds, Is.EqualTo(fitted.Model.Preprocessor.Kinds), $"{name}: column kinds");
        Assert.That(loaded.Model.Preprocessor.Mean, Is.EqualTo(fitted.Model.Preprocessor.Mean), $"{name}: means");
        Assert.That(loaded.Model.Preprocessor.Scale, Is.EqualTo(fitted.Model.Preprocessor.Scale), $"{name}: scales");
        Assert.That(loaded.Model.Parameters.Values.ToArray(), Is.EqualTo(fitted.Model.Parameters.Values.ToArray()), $"{name}: weights");

        var a = fitted.Transform(before);
        var b = loaded.Transform(after);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.That(b[i].LatentMean, Is.EqualTo(a[i].LatentMean), $"{name}: row {i} latent mean");
            Assert.That(b[i].LatentLogVar, Is.EqualTo(a[i].LatentLogVar), $"{name}: row {i} latent log-variance");
            Assert.That(b[i].Reconstruction, Is.EqualTo(a[i].Reconstruction), $"{name}: row {i} reconstruction");
            Assert.That(b[i].Score, Is.EqualTo(a[i].Score), $"{name}: row {i} score");
            Assert.That(b[i].IsAnomaly, Is.EqualTo(a[i].IsAnomaly), $"{name}: row {i} IsAnomaly");
        }
        Assert.That(a.Select(r => r.IsAnomaly is null), Is.All.EqualTo(fitted.Threshold is null), $"{name}: IsAnomaly set exactly when there is a threshold");
        Assert.That(loaded.Encode(after), Is.EqualTo(fitted.Encode(before)), $"{name}: Encode");
        Assert.That(loaded.Reconstruct(after), Is.EqualTo(fitted.Reconstruct(before)), $"{name}: Reconstruct");
        Assert.That(loaded.Score(after), Is.EqualTo(fitted.Score(before)), $"{name}: Score");
        var sampled = new ScoreOptions(Samples: 2, IwaeSamples: 3, Seed: 5);
        Assert.That(loaded.ScoreDetails(after, sampled).IwaeNll, Is.EqualTo(fitted.ScoreDetails(before, sampled).IwaeNll), $"{name}: IWAE");
        Assert.That(loaded.Sample(4, seed: 3), Is.EqualTo(fitted.Sample(4, seed: 3)), $"{name}: Sample");
    }

    private static void AssertSameOptions(VaeOptions expected, VaeOptions actual, string name)
    {
        Assert.That(actual.EncoderHidden, Is.EqualTo(expected.EncoderHidden), $"{name}: encoder");
        Assert.That(actual.ResolvedDecoderHidden, Is.EqualTo(expected.ResolvedDecoderHidden), $"{name}: decoder");
        Assert.That(actual.CategoricalGroups, Is.EqualTo(expected.CategoricalGroups), $"{name}: categorical groups");
        Assert.That(actual with { EncoderHidden = [], DecoderHidden = null, CategoricalGroups = [] },
            Is.EqualTo(expected with { EncoderHidden = [], DecoderHidden = null, CategoricalGroups = [] }), $"{name}: scalar options");
    }
}
