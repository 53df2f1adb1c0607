using MlNetVae.Engine.Nn;
using MlNetVae.Engine.Randomness;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Nn;

public class ParameterStoreTests
{
    [Test]
    public void ParametersBecomeViewsOfOneFlatBufferKeepingTheirValues()
    {
        var store = new ParameterStore();
        var rng = new Rng(1);
        var a = new Linear(store, "a", 3, 4, rng);
        var b = new Linear(store, "b", 4, 2, rng);
        float w00 = a.Weight.Value[0, 0], bias1 = b.Bias.Value.Span[1];
        Assert.That(store.Values.Length, Is.EqualTo(3 * 4 + 4 + 4 * 2 + 2));
        Assert.That(a.Weight.Value.IsView && b.Bias.Grad!.IsView, Is.True);
        Assert.That(a.Weight.Value[0, 0], Is.EqualTo(w00));
        Assert.That(b.Bias.Value.Span[1], Is.EqualTo(bias1));
        store.Values[^1] = 99f; // the last element is b.bias[1]
        Assert.That(b.Bias.Value.Span[1], Is.EqualTo(99f));
        store.Grads.Fill(1f);
        store.ZeroGrad();
        Assert.That(a.Weight.Grad!.Span.ToArray(), Has.All.EqualTo(0f));
        Assert.Throws<InvalidOperationException>(() => store.Add("late", 1));
    }

    [Test]
    public void LinearUsesPyTorchsDefaultInitBounds()
    {
        var store = new ParameterStore();
        var layer = new Linear(store, "l", 400, 300, new Rng(2));
        float bound = 1f / 20f;
        var w = layer.Weight.Value.Span.ToArray();
        Assert.That(w, Has.All.InRange(-bound, bound));
        Assert.That(w.Max(), Is.GreaterThan(0.99f * bound));
        Assert.That(w.Average(), Is.EqualTo(0).Within(0.001));
    }

    [Test]
    public void DuplicateNamesAreRejected()
    {
        var store = new ParameterStore();
        store.Add("x", 2);
        Assert.Throws<ArgumentException>(() => store.Add("x", 3));
    }
}
