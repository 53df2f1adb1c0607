using MlNetVae.Vae;
using NUnit.Framework;

namespace MlNetVae.Tests.Vae;

public class ScoringTests
{
    private static (VaeModel Model, float[][] Rows) Trained()
    {
        var rows = TestData.UnitRows(400, 16, 11);
        var options = new VaeOptions { EncoderHidden = [32], LatentSize = 3, BatchSize = 32, Epochs = 6, LearningRate = 3e-3f };
        return (VaeTrainer.Train(rows, options).Model, rows);
    }

    [Test]
    public void IwaeTightensAsKGrowsAndStaysBelowTheNegativeElbo()
    {
        var (model, rows) = Trained();
        var sample = rows.Take(100).ToArray();
        double negElbo = model.Score(sample, new ScoreOptions(Samples: 200)).NegElbo.Average();
        var iwae = new[] { 1, 5, 50, 500 }.Select(k => model.Score(sample, new ScoreOptions(IwaeSamples: k)).IwaeNll!.Average()).ToArray();
        TestContext.Out.WriteLine($"-ELBO {negElbo:F4}; IWAE K=1,5,50,500: {string.Join(", ", iwae.Select(v => v.ToString("F4")))}");
        Assert.That(iwae[0], Is.EqualTo(negElbo).Within(0.05 * Math.Abs(negElbo) + 0.05), "K = 1 is the ELBO");
        for (int i = 1; i < iwae.Length; i++) Assert.That(iwae[i], Is.LessThan(iwae[i - 1]), $"K step {i}");
        Assert.That(iwae[^1], Is.LessThan(negElbo));
    }

    [Test]
    public void ScoresAreReproducibleAndPartsAddUp()
    {
        var (model, rows) = Trained();
        var a = model.Score(rows, new ScoreOptions(Samples: 3, IwaeSamples: 4, Seed: 2));
        var b = model.Score(rows, new ScoreOptions(Samples: 3, IwaeSamples: 4, Seed: 2));
        Assert.That(b.NegElbo, Is.EqualTo(a.NegElbo));
        Assert.That(b.IwaeNll, Is.EqualTo(a.IwaeNll));
        for (int i = 0; i < rows.Length; i++) Assert.That(a.NegElbo[i], Is.EqualTo(a.Reconstruction[i] + a.Kl[i]).Within(1e-9));
        var deterministic = model.Score(rows);
        Assert.That(model.Score(rows).NegElbo, Is.EqualTo(deterministic.NegElbo));
    }

    [Test]
    public void ContributionsSumToTheReconstructionTermAndPointAtTheOddFeature()
    {
        var (model, rows) = Trained();
        // Flip one clear-cut feature to the other extreme: far from what the other features imply.
        var odd = rows.Where(r => Math.Abs(r[5] - 0.5f) > 0.4f).Take(20).Select(r => r.ToArray()).ToArray();
        Assert.That(odd, Has.Length.EqualTo(20));
        foreach (var r in odd) r[5] = r[5] > 0.5f ? 0f : 1f;
        var s = model.Score(odd, new ScoreOptions(Contributions: true));
        for (int i = 0; i < odd.Length; i++)
            Assert.That(s.Contributions![i].Sum(v => (double)v), Is.EqualTo(s.Reconstruction[i]).Within(1e-3 * s.Reconstruction[i]));
        int pointed = s.Contributions!.Count(c => Array.IndexOf(c, c.Max()) == 5);
        Assert.That(pointed, Is.GreaterThanOrEqualTo(18), "the flipped feature is the largest contribution in nearly every row");
    }

    [Test]
    public void InferenceShapesAndDiagnostics()
    {
        var (model, rows) = Trained();
        var (mean, logVar) = model.Encode(rows);
        Assert.That(mean, Has.Length.EqualTo(rows.Length).And.All.Length.EqualTo(3));
        Assert.That(logVar, Has.All.Length.EqualTo(3));
        Assert.That(model.Generate(7, 1), Has.Length.EqualTo(7).And.All.Length.EqualTo(16));
        Assert.That(model.Generate(7, 1).SelectMany(r => r), Has.All.InRange(0f, 1f), "Bernoulli means");
        var path = model.Interpolate(rows[0], rows[1], 5);
        Assert.That(path, Has.Length.EqualTo(5));
        Assert.That(path[0], Is.EqualTo(model.Reconstruct([rows[0]])[0]).Within(1e-5f));
        Assert.That(model.SampleLatent(rows.Take(3).ToArray(), 1), Is.Not.EqualTo(mean.Take(3).ToArray()));
        var d = model.Diagnose(rows);
        Assert.That(d.ActiveUnits, Is.InRange(1, 3));
        Assert.That(d.KlPerDimension.Sum(), Is.EqualTo(model.Score(rows).Kl.Average()).Within(1e-3));
        Assert.That(d.Warning, Is.Null);
    }

    [Test]
    public void CollapsedPosteriorIsReported()
    {
        // beta = 50 pushes q(z|x) onto the prior: no unit carries information.
        var rows = TestData.UnitRows(300, 10, 12);
        var (model, _) = VaeTrainer.Train(rows, new VaeOptions { EncoderHidden = [16], LatentSize = 4, Beta = 50f, Epochs = 10, BatchSize = 32, LearningRate = 3e-3f });
        var d = model.Diagnose(rows);
        Assert.That(d.ActiveUnits, Is.EqualTo(0));
        Assert.That(d.Warning, Does.Contain("posterior collapse"));
    }

    [Test]
    public void BadRowsAreNamed()
    {
        var (model, rows) = Trained();
        var ex = Assert.Throws<ArgumentException>(() => model.Score([rows[0], new float[3]]));
        Assert.That(ex!.Message, Does.Contain("row 1").And.Contain("16"));
        var nan = rows[0].ToArray();
        nan[4] = float.NaN;
        ex = Assert.Throws<ArgumentException>(() => model.Encode([rows[0], rows[1], nan]));
        Assert.That(ex!.Message, Does.Contain("row 2, column 4"));
        ex = Assert.Throws<ArgumentException>(() => Preprocessor.Fit([[0.5f, 2f]], new VaeOptions { Likelihood = LikelihoodKind.Bernoulli }));
        Assert.That(ex!.Message, Does.Contain("row 0, column 1").And.Contain("[0, 1]"));
    }
}
