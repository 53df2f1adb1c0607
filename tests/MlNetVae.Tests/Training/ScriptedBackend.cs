using MlNetVae.Backends;
using MlNetVae.Spec;
using MlNetVae.Training;

namespace MlNetVae.Tests.Training;

/// <summary>
/// A training backend that trains nothing: it records what the loop hands it (batches, noise, KL weights, loads) and
/// answers with scripted losses and validation values, so the loop's rules can be checked exactly.
/// </summary>
internal sealed class ScriptedBackend(int features, int latent) : ITrainingBackend
{
    /// <summary>The loss of the n-th step (from 1), by epoch and step; 1 by default.</summary>
    public Func<int, int, float> Loss { get; init; } = (_, _) => 1f;

    /// <summary>The validation -ELBO after the n-th epoch (from 1); 1 by default.</summary>
    public Func<int, double> ValidationNegElbo { get; init; } = _ => 1;

    /// <summary>Steps per epoch, to turn the step count into epoch and step.</summary>
    public int StepsPerEpoch { get; init; } = 1;

    public List<float[]> Batches { get; } = [];
    public List<float[]> Noise { get; } = [];
    public List<float> KlWeights { get; } = [];

    /// <summary>The learning rate of each step.</summary>
    public List<float> LearningRates { get; } = [];
    public List<float[]> EvaluatedRows { get; } = [];
    public List<float[]> EvaluatedNoise { get; } = [];
    public List<int> Loaded { get; } = [];

    /// <summary>Epochs evaluated so far: the "weights" this backend holds are tagged with it.</summary>
    public int Evaluations { get; private set; }

    public StepResult Step(ReadOnlySpan<float> batch, ReadOnlySpan<float> noise, int rows, float klWeight, float learningRate)
    {
        Assert(batch.Length == rows * features && noise.Length == rows * latent, "batch and noise sizes");
        Batches.Add(batch.ToArray());
        Noise.Add(noise.ToArray());
        KlWeights.Add(klWeight);
        LearningRates.Add(learningRate);
        int step = Batches.Count - 1;
        float loss = Loss(1 + step / StepsPerEpoch, 1 + step % StepsPerEpoch);
        return new StepResult(loss, loss, 0);
    }

    public void Evaluate(ReadOnlySpan<float> data, ReadOnlySpan<float> noise, int rows, Span<double> reconstruction, Span<double> kl)
    {
        Evaluations++;
        EvaluatedRows.Add(data[..(rows * features)].ToArray());
        EvaluatedNoise.Add(noise[..(rows * latent)].ToArray());
        reconstruction[..rows].Fill(ValidationNegElbo(Evaluations));
        kl[..rows].Clear();
    }

    public StateDict State()
    {
        var state = new StateDict();
        state.Set("epoch", [1], [Evaluations]);
        return state;
    }

    public void Load(StateDict state) => Loaded.Add((int)state["epoch"].Data[0]);

    public void Dispose() { }

    private static void Assert(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException(what);
    }
}
