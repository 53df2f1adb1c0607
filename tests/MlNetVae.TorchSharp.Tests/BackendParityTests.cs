using MlNetVae.Engine.Nn;
using MlNetVae.Engine.Randomness;
using MlNetVae.Spec;
using MlNetVae.Training;
using NUnit.Framework;

namespace MlNetVae.TorchSharp.Tests;

/// <summary>
/// The managed engine and TorchSharp, driven through the same <see cref="ITrainingBackend"/> calls from the same weights,
/// batches and reparameterization noise, train the same model: every step's loss agrees, and so do the final weights
/// and a forward evaluation.
/// </summary>
public sealed class BackendParityTests
{
    private const int Steps = 100, Batch = 32;

    private static IEnumerable<TestCaseData> Models()
    {
        yield return new TestCaseData(SmallModels.Bernoulli());
        yield return new TestCaseData(SmallModels.Gaussian());
        yield return new TestCaseData(SmallModels.Mixed());
        yield return new TestCaseData(SmallModels.Bernoulli(Activation.LeakyRelu, freeBits: 0.4f));
        yield return new TestCaseData(SmallModels.Mixed(Activation.Sigmoid, freeBits: 0.4f));
        yield return new TestCaseData(SmallModels.Convolutional());
    }

    [TestCaseSource(nameof(Models))]
    public void Hundred_adam_steps_give_the_same_losses_and_the_same_weights(SmallModel m)
    {
        var options = m.Spec.Options;
        using var managed = new ManagedBackend.Factory().Create(m.Spec, m.Initial, options);
        using var torch = new TorchSharpBackendFactory().Create(m.Spec, m.Initial, options with { Device = "cpu" });
        int d = m.Spec.Features, k = m.Spec.LatentSize;
        var rng = new Rng(3);
        var batch = new float[Batch * d];  // (B, D)
        var noise = new float[Batch * k];  // (B, K)
        double worstLoss = 0, worstReconstruction = 0;
        for (int step = 0; step < Steps; step++)
        {
            // Every tenth batch is short, like an epoch's last; the KL weight ramps up as KL warm-up does.
            int n = step % 10 == 9 ? 17 : Batch;
            for (int i = 0; i < n; i++) m.Rows.AsSpan(rng.NextInt(m.Count) * d, d).CopyTo(batch.AsSpan(i * d, d));
            rng.FillNormal(noise.AsSpan(0, n * k));
            float klWeight = Math.Min(1f, step / 50f);
            // The learning rate changes every step, as the cosine schedule changes it: both optimizers must take it.
            float learningRate = m.Spec.Options.LearningRate * 0.5f * (1f + MathF.Cos(MathF.PI * step / Steps));

            var a = managed.Step(batch.AsSpan(0, n * d), noise.AsSpan(0, n * k), n, klWeight, learningRate);
            var b = torch.Step(batch.AsSpan(0, n * d), noise.AsSpan(0, n * k), n, klWeight, learningRate);

            Assert.That(float.IsFinite(a.Loss), Is.True, $"step {step}");
            worstLoss = Math.Max(worstLoss, Math.Abs(a.Loss - b.Loss) / Math.Abs(a.Loss));
            worstReconstruction = Math.Max(worstReconstruction, Math.Abs(a.Reconstruction - b.Reconstruction) / Math.Abs(a.Reconstruction));
            Assert.That(b.Kl, Is.EqualTo(a.Kl).Within(1e-4 * Math.Max(1, a.Kl)), $"KL at step {step}");
        }

        var (wa, wb) = (managed.State(), torch.State());
        Assert.That(wb.Names, Is.EqualTo(m.Spec.Tensors.Select(t => t.Name)));
        double worstWeight = 0;
        foreach (var t in m.Spec.Tensors)
        {
            Assert.That(wb[t.Name].Shape, Is.EqualTo(t.Shape), t.Name);
            for (int i = 0; i < t.Length; i++) worstWeight = Math.Max(worstWeight, Math.Abs(wa[t.Name].Data[i] - wb[t.Name].Data[i]));
        }

        var (ra, ka, rb, kb) = (new double[m.Count], new double[m.Count], new double[m.Count], new double[m.Count]);
        var evalNoise = new float[m.Count * k];
        rng.FillNormal(evalNoise);
        managed.Evaluate(m.Rows, evalNoise, m.Count, ra, ka);
        torch.Evaluate(m.Rows, evalNoise, m.Count, rb, kb);

        TestContext.Out.WriteLine($"{m.Name}: worst relative difference over {Steps} steps: loss {worstLoss:E2}, reconstruction {worstReconstruction:E2}; largest weight difference {worstWeight:E2}");
        Assert.That(worstLoss, Is.LessThan(1e-4));
        Assert.That(worstReconstruction, Is.LessThan(1e-4));
        // 100 steps of Adam at 1e-3 move a weight by up to 0.1; the two runs end within float rounding of each other.
        Assert.That(worstWeight, Is.LessThan(1e-5));
        for (int i = 0; i < m.Count; i++)
        {
            Assert.That(rb[i], Is.EqualTo(ra[i]).Within(1e-4 * Math.Max(1, Math.Abs(ra[i]))), $"reconstruction of row {i}");
            Assert.That(kb[i], Is.EqualTo(ka[i]).Within(1e-4 * Math.Max(1, ka[i])), $"KL of row {i}");
        }
    }
}
