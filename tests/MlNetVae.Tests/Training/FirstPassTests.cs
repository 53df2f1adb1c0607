using MlNetVae.Spec;
using MlNetVae.Tests.Graph;
using MlNetVae.Training;
using NUnit.Framework;

namespace MlNetVae.Tests.Training;

/// <summary>The first pass keeps rows that fit the memory budget, and otherwise fits their statistics as they stream by.</summary>
public class FirstPassTests
{
    private const int D = 8;

    private static readonly VaeOptions Options = new() { Seed = 5, ValidationFraction = 0.1f, MemoryBudgetMegabytes = 1 };

    [TestCase(true)]
    [TestCase(false)]
    public void RowsWithinTheBudgetAreKeptAsTheyAre(bool known)
    {
        var rows = TestData.GaussianRows(10_000, D, 1); // 320 KB
        var pass = FirstPass.Read(new BlockSource(rows, D, 777) { Known = known }, Options, null, null, default);
        Assert.That(pass.Rows!.Value.ToArray(), Is.EqualTo(rows));
        Assert.That((pass.Count, pass.Moments), Is.EqualTo((10_000L, (FeatureMoments?)null)));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void RowsBeyondTheBudgetAreCountedAndFittedAsTheyStream(bool known)
    {
        var rows = TestData.GaussianRows(40_000, D, 2); // 1.28 MB
        var source = new BlockSource(rows, D, 1000) { Known = known };
        var pass = FirstPass.Read(source, Options, null, null, default);
        Assert.That(pass.Rows, Is.Null);
        Assert.That(source.Passes, Is.EqualTo(1));
        Assert.That(pass.Count, Is.EqualTo(40_000));
        Assert.That(pass.HeldOut, Is.EqualTo(Enumerable.Range(0, 40_000).Count(i => Holdout.IsHeldOut((ulong)i, 5, 0.1f))));
        var streamed = pass.Moments!.Fit();
        var whole = FeatureStatistics.Fit(rows, D, Options);
        Assert.That(streamed.Layout, Is.EqualTo(whole.Layout));
        for (int c = 0; c < D; c++)
        {
            Assert.That(streamed.Mean[c], Is.EqualTo(whole.Mean[c]).Within(1e-6 * whole.Scale[c]), $"mean {c}");
            Assert.That(streamed.Scale[c], Is.EqualTo(whole.Scale[c]).Within(1e-5).Percent, $"scale {c}");
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public void RowsBeyondTheBudgetAreCopiedIntoTheCacheWithTheirKeys(bool known)
    {
        var rows = TestData.GaussianRows(40_000, D, 3); // 1.28 MB: past the budget after 32,768 rows
        int made = 0;
        var pass = FirstPass.Read(new BlockSource(rows, D, 1000) { Known = known, ReusesBuffers = true }, Options,
            () => { made++; return RowCacheFile.Create(Path.GetTempPath(), D); }, null, default);
        using var cache = pass.Cache!;
        Assert.That((made, cache.RowCount), Is.EqualTo((1, 40_000L)));
        var blocks = cache.Read(null, default).Select(b => (Rows: b.Rows.ToArray(), Keys: b.Keys.ToArray())).ToArray();
        Assert.That(blocks.SelectMany(b => b.Rows), Is.EqualTo(rows), "every row, in the order read, kept ones included");
        Assert.That(blocks.SelectMany(b => b.Keys), Is.EqualTo(Enumerable.Range(0, 40_000).Select(i => (ulong)i)));

        var within = FirstPass.Read(new BlockSource(rows.AsSpan(0, 1000 * D).ToArray(), D, 100) { Known = known }, Options,
            () => { made++; return RowCacheFile.Create(Path.GetTempPath(), D); }, null, default);
        Assert.That((within.Cache, made), Is.EqualTo(((RowCacheFile?)null, 1)), "rows within the budget make no cache");
    }

    [Test]
    public void AFailedFirstPassClosesItsCache()
    {
        var rows = TestData.GaussianRows(40_000, D, 4);
        RowCacheFile? made = null;
        using var cancel = new CancellationTokenSource();
        var source = new BlockSource(rows, D, 1000) { AfterBlock = _ => { if (made is not null) cancel.Cancel(); } };
        Assert.Catch<OperationCanceledException>(() => FirstPass.Read(source, Options, () => made = RowCacheFile.Create(Path.GetTempPath(), D), null, cancel.Token));
        Assert.That(made, Is.Not.Null);
        Assert.That(() => made!.Read(null, default).First(), Throws.InstanceOf<InvalidOperationException>(), "not completed");
        Assert.That(RowCacheFileTests.OpenCacheFiles(), Is.Empty, "closed: its data are gone");
    }
}
