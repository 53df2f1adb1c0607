using MlNetVae.Spec;
using MlNetVae.Training;
using NUnit.Framework;

namespace MlNetVae.Tests.Training;

/// <summary>
/// Training on rows read from their source once per epoch: every row outside the hold-out once per epoch in a new
/// order, the held-out rows never trained on and sampled in bounded memory, rows far apart mixed by the source's
/// block order and the pool, changed data refused, cancellation between blocks.
/// </summary>
public class StreamedRowsTests
{
    private const int D = TrainingLoopTests.D, K = TrainingLoopTests.K, Seed = 3;

    private static float[] Rows(int count) => TrainingLoopTests.Rows(count);

    private static int Id(ReadOnlySpan<float> row) => TrainingLoopTests.Id(row);

    private static VaeOptions Options(float validation = 0) => new() { EncoderHidden = [4], LatentSize = K, BatchSize = 16, Epochs = 3, Seed = Seed, ValidationFraction = validation };

    private static long Held(int count, float fraction) => Enumerable.Range(0, count).Count(i => Holdout.IsHeldOut((ulong)i, Seed, fraction));

    /// <summary>Trains <paramref name="backend"/> on <paramref name="source"/> with a pool of <paramref name="poolRows"/> rows and room for <paramref name="validationRows"/> held-out rows.</summary>
    private static TrainingResult Run(ScriptedBackend backend, BlockSource source, VaeOptions options, int count, int poolRows, int validationRows = 1000, CancellationToken token = default)
    {
        using var rows = new StreamedRows(source, count - Held(count, options.ValidationFraction), options.ValidationFraction, Seed, 4L * D * poolRows, 4L * D * validationRows, token);
        return TrainingLoop.Run(backend, VaeSpec.Resolve(options, TrainingLoopTests.Layout), rows, null, token);
    }

    private static int[][] Epochs(ScriptedBackend backend, int epochs)
    {
        int steps = backend.Batches.Count / epochs;
        return Enumerable.Range(0, epochs).Select(e => backend.Batches.Skip(e * steps).Take(steps).SelectMany(b => b.Chunk(D)).Select(r => Id(r)).ToArray()).ToArray();
    }

    [Test]
    public void EachEpochReadsTheSourceOnceAndTrainsOnEveryRowOutsideTheHoldOutOnceInANewOrder()
    {
        const int count = 2000;
        var source = new BlockSource(Rows(count), D, 50) { Shuffles = true };
        var backend = new ScriptedBackend(D, K);
        Run(backend, source, Options(validation: 0.2f), count, poolRows: 200);
        var held = Enumerable.Range(0, count).Where(i => Holdout.IsHeldOut((ulong)i, Seed, 0.2f)).ToHashSet();
        Assert.That(held.Count, Is.InRange(340, 460), "about 20% held out");
        Assert.That(source.Passes, Is.EqualTo(3), "one pass per epoch");
        Assert.That(source.Seeds, Is.All.Not.Null, "each epoch asks for a shuffled order");
        Assert.That(source.Seeds, Is.Unique, "a new one");
        var epochs = Epochs(backend, 3);
        foreach (var ids in epochs) Assert.That(ids, Is.EquivalentTo(Enumerable.Range(0, count).Where(i => !held.Contains(i))));
        Assert.That(epochs[1], Is.Not.EqualTo(epochs[0]));
        Assert.That(backend.EvaluatedRows, Has.Count.EqualTo(3));
        Assert.That(backend.EvaluatedRows[0].Chunk(D).Select(r => Id(r)), Is.EquivalentTo(held), "validation: every held-out row, when they fit");
        Assert.That(backend.EvaluatedRows[2], Is.EqualTo(backend.EvaluatedRows[0]));
        Assert.That(backend.EvaluatedNoise[2], Is.EqualTo(backend.EvaluatedNoise[0]), "the same validation noise every epoch");
    }

    [Test]
    public void ABlockShuffledSourceAndThePoolMixRowsFromAllOverTheData()
    {
        // Mean row id over the first and the second half of an epoch: a sorted file read in order drifts from the
        // first rows to the last, which SGD would follow; the source's block order and the pool spread both halves over all.
        const int count = 4000;
        double Drift(bool shuffles)
        {
            var backend = new ScriptedBackend(D, K);
            Run(backend, new BlockSource(Rows(count), D, 100) { Shuffles = shuffles }, Options() with { Epochs = 1 }, count, poolRows: 400);
            var ids = Epochs(backend, 1)[0];
            return ids[(count / 2)..].Average() - ids[..(count / 2)].Average();
        }
        double sequential = Drift(shuffles: false), shuffled = Drift(shuffles: true);
        TestContext.Out.WriteLine($"mean id of the second half minus the first: in order {sequential:F0}, block-shuffled {shuffled:F0} (of {count} rows)");
        Assert.That(sequential, Is.GreaterThan(count / 3), "a pool alone shuffles locally");
        Assert.That(Math.Abs(shuffled), Is.LessThan(count / 10));
    }

    [Test]
    public void HeldOutRowsBeyondTheirMemoryAreSampledTheSameWhateverTheOrder()
    {
        const int count = 3000;
        int[] Validation(bool shuffles)
        {
            var backend = new ScriptedBackend(D, K);
            Run(backend, new BlockSource(Rows(count), D, 64) { Shuffles = shuffles }, Options(validation: 0.3f) with { Epochs = 1 }, count, poolRows: 100, validationRows: 100);
            return backend.EvaluatedRows[0].Chunk(D).Select(r => Id(r)).Order().ToArray();
        }
        var inOrder = Validation(shuffles: false);
        Assert.That(inOrder, Has.Length.InRange(25, 100), "about 900 held out, halved until they fit in 100");
        Assert.That(inOrder, Has.All.Matches<int>(i => Holdout.IsHeldOut((ulong)i, Seed, 0.3f)));
        Assert.That(Validation(shuffles: true), Is.EqualTo(inOrder));
    }

    [Test]
    public void RowsThatChangeBetweenPassesAreAnErrorNamingTheEpoch()
    {
        const int count = 500;
        var source = new BlockSource(Rows(count), D, 50) { ShrinksAtPass = 2 };
        var e = Assert.Throws<InvalidDataException>(() => Run(new ScriptedBackend(D, K), source, Options(), count, poolRows: 100));
        Assert.That(e!.Message, Does.StartWith("the data changed between passes: the first pass found 500 rows to train on, epoch 2 found 499"));
    }

    [Test]
    public void CancellationStopsBetweenBlocksMidEpoch()
    {
        const int count = 5000;
        using var cancel = new CancellationTokenSource();
        int blocks = 0;
        var source = new BlockSource(Rows(count), D, 100) { AfterBlock = pass => { if (pass == 2 && ++blocks == 10) cancel.Cancel(); } };
        var backend = new ScriptedBackend(D, K);
        Assert.Throws<OperationCanceledException>(() => Run(backend, source, Options(), count, poolRows: 300, token: cancel.Token));
        Assert.That(source.RowsRead, Is.EqualTo(count + 10 * 100), "the first epoch, then ten blocks of the second");
        Assert.That(backend.Batches.Count, Is.LessThan(2 * count / 16), "stopped in the second epoch");
    }
}
