using MlNetVae.Pipeline;
using MlNetVae.Tests.Vae;
using MlNetVae.Vae;
using NUnit.Framework;

namespace MlNetVae.Tests.Pipeline;

public class ThreadSafetyTests
{
    [Test]
    public void AFittedTransformerGivesTheSameResultsFromManyThreadsAtOnce()
    {
        var data = VaeData.FromArrays(TestData.GaussianRows(300, 6, 4));
        var model = new VaeEstimator(new VaeOptions { EncoderHidden = [16], LatentSize = 3, Epochs = 1 }) { Contamination = 0.05 }.Fit(data);
        // A freshly loaded model too: its first use must not race on lazily built state.
        using var files = new Files();
        model.Save(files["m.vae"]);
        var loaded = VaeTransformer.Load(files["m.vae"]);
        var expected = model.Transform(data);
        var iwae = model.ScoreDetails(data, new ScoreOptions(IwaeSamples: 2)).IwaeNll;

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var subject = i % 2 == 0 ? model : loaded;
            var rows = subject.Transform(data);
            for (int r = 0; r < rows.Count; r++)
                if (rows[r].Score != expected[r].Score || !rows[r].LatentMean.SequenceEqual(expected[r].LatentMean) ||
                    !rows[r].Reconstruction.SequenceEqual(expected[r].Reconstruction) || rows[r].IsAnomaly != expected[r].IsAnomaly)
                    failures.Add($"call {i}, row {r}");
            if (!subject.ScoreDetails(data, new ScoreOptions(IwaeSamples: 2)).IwaeNll!.SequenceEqual(iwae!)) failures.Add($"call {i}: IWAE");
        });
        Assert.That(failures, Is.Empty);
    }
}
