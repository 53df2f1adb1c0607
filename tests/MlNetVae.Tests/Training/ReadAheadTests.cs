using MlNetVae.Spec;
using MlNetVae.Training;
using NUnit.Framework;

namespace MlNetVae.Tests.Training;

/// <summary>
/// A pass read on a background task: the same blocks as a serial read, in the same order, whatever the consumer's pace
/// and though the source reuses its buffers; a source's failure after the blocks before it; cancellation and disposal
/// stopping the reader between blocks with the cursor closed; and streamed training that repeats bit for bit.
/// </summary>
public class ReadAheadTests
{
    private const int D = TrainingLoopTests.D, Seed = 5;

    private static BlockSource Source(int count, Action<int>? afterBlock = null) =>
        new(TrainingLoopTests.Rows(count), D, 37) { Shuffles = true, ReusesBuffers = true, AfterBlock = afterBlock };

    /// <summary>Each block of a pass as (rows, keys) copies, taken through <paramref name="blocks"/> with <paramref name="pause"/> per block.</summary>
    private static List<(float[] Rows, ulong[] Keys)> Copies(IEnumerator<RowBlock> blocks, int pause = 0)
    {
        var copies = new List<(float[], ulong[])>();
        while (blocks.MoveNext())
        {
            Thread.Sleep(pause);
            copies.Add((blocks.Current.Rows.ToArray(), blocks.Current.Keys.ToArray()));
        }
        return copies;
    }

    [Test]
    public void ReadAheadGivesTheBlocksOfASerialReadInTheSameOrderWhateverTheConsumersPace()
    {
        const int count = 1000;
        using var serialPass = Source(count).Read(Seed, default).GetEnumerator();
        var serial = Copies(serialPass);
        Assert.That(serial, Has.Count.EqualTo((count + 36) / 37));
        Assert.That(serial.Select(b => b.Keys[0]), Is.Not.Ordered, "the source shuffles its blocks");
        foreach (int pause in new[] { 0, 2 })
        {
            using var ahead = new ReadAhead(Source(count), Seed, default);
            var read = Copies(ahead, pause);
            Assert.That(read.Select(b => b.Keys), Is.EqualTo(serial.Select(b => b.Keys)), $"keys, pause {pause} ms");
            Assert.That(read.Select(b => b.Rows), Is.EqualTo(serial.Select(b => b.Rows)), $"rows, pause {pause} ms");
        }
    }

    [Test]
    public void ASourcesFailureSurfacesAfterTheBlocksReadBeforeIt()
    {
        int blocks = 0;
        var source = Source(1000, _ => { if (++blocks == 5) throw new InvalidDataException("row 190, slot 3: NaN"); });
        using var ahead = new ReadAhead(source, Seed, default);
        for (int i = 0; i < 5; i++) Assert.That(ahead.MoveNext(), Is.True, $"block {i + 1}");
        var e = Assert.Throws<InvalidDataException>(() => ahead.MoveNext());
        Assert.That(e!.Message, Is.EqualTo("row 190, slot 3: NaN"));
    }

    [Test]
    public void CancellationStopsTheReaderBetweenBlocksAndTheConsumerAtTheNextBlock()
    {
        using var cancel = new CancellationTokenSource();
        int blocks = 0;
        var source = Source(1000, _ => { if (++blocks == 3) cancel.Cancel(); });
        using var ahead = new ReadAhead(source, Seed, cancel.Token);
        for (int i = 0; i < 3; i++) Assert.That(ahead.MoveNext(), Is.True, $"block {i + 1}, read before the cancellation");
        Assert.Throws<OperationCanceledException>(() => ahead.MoveNext());
        Assert.That(source.RowsRead, Is.EqualTo(3 * 37), "no block read after it");
        Assert.That(source.OpenPasses, Is.Zero, "the cursor closed");
    }

    [Test]
    public void DisposingMidPassStopsTheReaderWithTheCursorClosed()
    {
        var source = Source(10_000);
        var ahead = new ReadAhead(source, Seed, default);
        Assert.That(ahead.MoveNext(), Is.True);
        ahead.Dispose();
        Assert.That(source.OpenPasses, Is.Zero);
        Assert.That(source.RowsRead, Is.LessThanOrEqualTo((ReadAhead.Buffers + 1) * 37), "the reader stays a few blocks ahead");
    }

    [Test]
    public void StreamedTrainingRepeatsBitForBit()
    {
        // The batches depend only on the order of the blocks, which the reader's timing does not change.
        const int count = 3000;
        var options = new VaeOptions { EncoderHidden = [4], LatentSize = TrainingLoopTests.K, BatchSize = 16, Epochs = 3, Seed = Seed, ValidationFraction = 0.1f };
        long trainRows = Enumerable.Range(0, count).Count(i => !Holdout.IsHeldOut((ulong)i, Seed, 0.1f));
        List<float[]> Batches(int pause)
        {
            var backend = new ScriptedBackend(D, TrainingLoopTests.K);
            var source = Source(count, _ => Thread.Sleep(pause));
            using var rows = new StreamedRows(source, trainRows, 0.1f, Seed, 4L * D * 300, 4L * D * 1000, default);
            TrainingLoop.Run(backend, VaeSpec.Resolve(options, TrainingLoopTests.Layout), rows, null, default);
            return [.. backend.Batches, .. backend.EvaluatedRows];
        }
        var fast = Batches(0);
        Assert.That(fast, Has.Count.GreaterThan(3 * trainRows / 16));
        Assert.That(Batches(1), Is.EqualTo(fast));
    }
}
