using System.Diagnostics;
using MlNetVae.Engine.Randomness;
using MlNetVae.Onnx;
using MlNetVae.Spec;
using NUnit.Framework;

namespace MlNetVae.Tests.Onnx;

/// <summary>
/// A small scorer.onnx broken every way a byte stream can break: cut at every length and with a bit flipped in every
/// byte (the content hash covers every byte, so every one must be rejected), plus random multi-bit damage. Each
/// must be an <see cref="InvalidDataException"/> with a message, quickly, allocating no more than the input warrants.
/// </summary>
public class OnnxFuzzTests
{
    /// <summary>A model of 4 Bernoulli features, one hidden layer of 3 and a latent of 1: a whole scorer in a few kilobytes.</summary>
    internal static VaeModelParameters SmallModel()
    {
        var layout = FeatureLayout.From(4, [], FeatureKind.Bernoulli);
        var spec = VaeSpec.Resolve(new VaeOptions { EncoderHidden = [3], LatentSize = 1 }, layout);
        return new VaeModelParameters(spec, spec.Initialize(new FeatureStatistics(layout, new float[4], [1, 1, 1, 1]), 11));
    }

    [Test]
    public void EveryTruncationAndEveryBitFlipIsRejected()
    {
        var good = OnnxExport.Scorer(SmallModel());
        Assert.That(OnnxImport.Load(good), Is.Not.Null, "the unbroken file loads");

        var cases = new List<(string Name, Func<byte[]> Make)>();
        for (int length = 0; length < good.Length; length++)
        {
            int l = length;
            cases.Add(($"truncated to {l}", () => good[..l]));
        }
        // Every byte gets one flipped bit, the bit's position turning with the byte's: every byte and every position is hit.
        for (int at = 0; at < good.Length; at++)
        {
            int i = at;
            cases.Add(($"bit {i % 8} of byte {i} flipped", () => { var f = (byte[])good.Clone(); f[i] ^= (byte)(1 << (i % 8)); return f; }));
        }
        var rng = new Rng(42);
        for (int i = 0; i < 1000; i++)
        {
            var file = (byte[])good.Clone();
            int flips = 2 + rng.NextInt(6);
            for (int f = 0; f < flips; f++) file[rng.NextInt(file.Length)] ^= (byte)(1 + rng.NextInt(255));
            cases.Add(($"random damage #{i}", () => file));
        }
        cases.Add(("appended garbage", () => [.. good, 0x0A, 0x03, 0x61, 0x62, 0x63]));

        long maxTicks = 0, maxAllocated = 0;
        string slowest = "";
        var messages = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        foreach (var (name, make) in cases)
        {
            var file = make();
            long before = GC.GetAllocatedBytesForCurrentThread(), start = Stopwatch.GetTimestamp();
            try
            {
                OnnxImport.Load(file);
                Assert.Fail($"{name}: the broken file loaded");
            }
            catch (InvalidDataException e)
            {
                long ticks = Stopwatch.GetTimestamp() - start, allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.That(e.Message, Has.Length.GreaterThan(15), name);
                Assert.That(allocated, Is.LessThan(16L * good.Length + (1 << 18)), $"{name}: allocated {allocated} bytes");
                string kind = e.Message.Split(':')[0].Split('\'')[0];
                messages[kind] = messages.GetValueOrDefault(kind) + 1;
                if (ticks > maxTicks) (maxTicks, slowest) = (ticks, name);
                maxAllocated = Math.Max(maxAllocated, allocated);
            }
            catch (Exception e)
            {
                Assert.Fail($"{name}: {e.GetType().Name} instead of InvalidDataException: {e.Message}");
            }
        }
        TestContext.Progress.WriteLine($"fuzz: {cases.Count} broken copies of a {good.Length}-byte scorer rejected in {clock.Elapsed.TotalSeconds:F2} s; " +
            $"slowest {maxTicks * 1000.0 / Stopwatch.Frequency:F2} ms ({slowest}); most allocated {maxAllocated} bytes; " +
            string.Join("; ", messages.OrderByDescending(m => m.Value).Select(m => $"{m.Value} x '{m.Key}'")));
    }
}
