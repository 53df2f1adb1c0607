using MlNetVae.Engine.Nn;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Nn;

public class ParameterStoreTests
{
    [Test]
    public void ParametersBecomeViewsOfOneFlatBufferKeepingTheirValues()
    {
        var store = new ParameterStore();
        var aWeight = store.Add("a.weight", 4, 3);
        var aBias = store.Add("a.bias", 4);
        var bWeight = store.Add("b.weight", 2, 4);
        var bBias = store.Add("b.bias", 2);
        // Values written before the store is flattened (as an initializer does) must survive the move.
        aWeight.Value[0, 0] = 0.25f;
        bBias.Value.Span[1] = -3f;
        Assert.That(store.Values.Length, Is.EqualTo(3 * 4 + 4 + 4 * 2 + 2));
        Assert.That(aWeight.Value.IsView && bBias.Grad!.IsView, Is.True);
        Assert.That(aWeight.Value[0, 0], Is.EqualTo(0.25f));
        Assert.That(bBias.Value.Span[1], Is.EqualTo(-3f));
        Assert.That(store.Values[0], Is.EqualTo(0.25f), "the first parameter starts the flat buffer");
        Assert.That(store.Values[^1], Is.EqualTo(-3f), "the last element is b.bias[1]");
        store.Values[^1] = 99f;
        Assert.That(bBias.Value.Span[1], Is.EqualTo(99f));
        store.Values[12] = 7f; // a.bias[0] follows the 12 values of a.weight
        Assert.That(aBias.Value.Span[0], Is.EqualTo(7f));
        store.Grads.Fill(1f);
        Assert.That(bWeight.Grad!.Span.ToArray(), Has.All.EqualTo(1f), "gradients are views of the flat gradient buffer");
        store.ZeroGrad();
        Assert.That(aWeight.Grad!.Span.ToArray(), Has.All.EqualTo(0f));
        Assert.That(store["b.weight"], Is.SameAs(bWeight));
        Assert.Throws<InvalidOperationException>(() => store.Add("late", 1));
    }

    [Test]
    public void DuplicateAndUnknownNamesAreRejected()
    {
        var store = new ParameterStore();
        store.Add("x", 2);
        Assert.Throws<ArgumentException>(() => store.Add("x", 3));
        Assert.Throws<KeyNotFoundException>(() => _ = store["y"]);
    }
}
