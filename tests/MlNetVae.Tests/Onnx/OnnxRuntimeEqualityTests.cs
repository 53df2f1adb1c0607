using MlNetVae.Onnx;
using MlNetVae.Onnx.Runtime;
using MlNetVae.Scoring;
using NUnit.Framework;
using static MlNetVae.Tests.Onnx.OnnxTestModels;

namespace MlNetVae.Tests.Onnx;

/// <summary>ONNX Runtime 1.30 running the three exported graphs gives the managed engine's numbers (scorer.onnx: AnomalyScorer's default score and the deterministic -ELBO).</summary>
public class OnnxRuntimeEqualityTests
{
    private static readonly OnnxRuntimeOptions OneThread = new(IntraOpThreads: 1, InterOpThreads: 1, UseCuda: false);

    [OneTimeTearDown]
    public void Report() =>
        TestContext.Progress.WriteLine($"ORT vs managed: max abs diff {Closeness.MaxAbsolute:G3} (model units), max rel diff {Closeness.MaxRelative:G3} (|value| >= 1), worst diff / tolerance {Closeness.MaxOfTolerance:F2}\n{Closeness.Report()}");

    [Test, Combinatorial]
    public void AllThreeGraphsMatchTheManagedEngine([Values] Kind kind, [Values(false, true)] bool trained, [Values(1, 1000)] int batch)
    {
        var (model, all) = Get(kind, trained);
        var rows = all.Take(batch).ToArray();

        using var encoder = new OnnxRuntimeSession(OnnxExport.Encoder(model), OneThread);
        var encoded = encoder.Run([Matrix(OnnxNames.Features, rows)], [OnnxNames.LatentMean, OnnxNames.LatentLogVar]);
        var (mean, logVar) = model.Encode(rows);
        Assert.That(encoded[0].Shape, Is.EqualTo(new long[] { batch, model.LatentSize }));
        Closeness.Assert(Rows(encoded[0]), mean, "latent_mean");
        Closeness.Assert(Rows(encoded[1]), logVar, "latent_log_var");

        // The decoder at the posterior means and at draws from the prior (which reach further out).
        var latents = mean.Concat(model.SampleLatent(rows, seed: 3)).ToArray();
        using var decoder = new OnnxRuntimeSession(OnnxExport.Decoder(model), OneThread);
        var decoded = decoder.Run([Matrix(OnnxNames.Latent, latents)], [OnnxNames.Reconstruction]);
        Assert.That(decoded[0].Shape, Is.EqualTo(new long[] { latents.Length, model.Features }));
        Closeness.Assert(Rows(decoded[0]), model.Decode(latents), "reconstruction (decoder)", model.Preprocessor.Scale);

        using var scorer = new OnnxRuntimeSession(OnnxExport.Scorer(model), OneThread);
        var scored = scorer.Run([Matrix(OnnxNames.Features, rows)], [OnnxNames.Score, OnnxNames.LatentMean, OnnxNames.Reconstruction, OnnxNames.NegElbo]);
        Assert.That(scored[0].Shape, Is.EqualTo(new long[] { batch, 1 }));
        Assert.That(scored[3].Shape, Is.EqualTo(new long[] { batch, 1 }));
        // score is the default anomaly score; the scorer is fitted on all rows only because Fit needs two (the default uses no fitted state).
        var defaultScore = AnomalyScorer.Fit(model, all).Score(rows);
        Closeness.Assert(Doubles(scored[0]), defaultScore, "score");
        Closeness.Assert(Doubles(scored[3]), model.Score(rows).NegElbo, "neg_elbo");
        Closeness.Assert(Rows(scored[1]), mean, "latent_mean (scorer)");
        Closeness.Assert(Rows(scored[2]), model.Reconstruct(rows), "reconstruction (scorer)", model.Preprocessor.Scale);
    }

    [Test]
    public void TheTestRowsHoldSaturatedPixelsAndColumnsOfLargeScale()
    {
        foreach (var kind in new[] { Kind.Bernoulli, Kind.Mixed })
        {
            var rows = Get(kind, false).Rows;
            Assert.That(rows.SelectMany(r => r.Take(5)), Does.Contain(0f).And.Contain(1f), kind.ToString());
        }
        Assert.That(Get(Kind.Gaussian, false).Model.Preprocessor.Scale.Max(), Is.GreaterThan(1e4f));
    }

    internal static OnnxTensor Matrix(string name, float[][] rows) =>
        new(name, rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);

    internal static double[] Doubles(OnnxTensor t) => t.Data.Select(v => (double)v).ToArray();

    internal static float[][] Rows(OnnxTensor t) => t.Data.Chunk((int)t.Shape[1]).ToArray();
}
