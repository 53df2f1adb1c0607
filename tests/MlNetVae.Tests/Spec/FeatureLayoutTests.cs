using MlNetVae.Spec;
using NUnit.Framework;

namespace MlNetVae.Tests.Spec;

public class FeatureLayoutTests
{
    [Test]
    public void FromMergesNumericRunsAroundTheCategoricalGroups()
    {
        var layout = FeatureLayout.From(10, [(2, 3), (5, 2)], FeatureKind.Gaussian);
        Assert.That(layout.Blocks, Is.EqualTo(new[]
        {
            new FeatureBlock(FeatureKind.Gaussian, 0, 2), new FeatureBlock(FeatureKind.Categorical, 2, 3),
            new FeatureBlock(FeatureKind.Categorical, 5, 2), new FeatureBlock(FeatureKind.Gaussian, 7, 3),
        }));
        Assert.That(layout.Features, Is.EqualTo(10));
        Assert.That(layout, Is.EqualTo(new FeatureLayout(layout.Blocks.ToList())), "records compare by their blocks");
        Assert.That(layout.GetHashCode(), Is.EqualTo(new FeatureLayout(layout.Blocks.ToList()).GetHashCode()));
        Assert.That(layout, Is.Not.EqualTo(FeatureLayout.From(10, [(2, 3), (5, 2)], FeatureKind.Bernoulli)));
        Assert.That(FeatureLayout.From(4, [(0, 4)], FeatureKind.Bernoulli).Blocks, Has.Count.EqualTo(1));
    }

    [Test]
    public void BlocksMustTileTheFeaturesInOrder()
    {
        Assert.That(() => new FeatureLayout([]), Throws.ArgumentException);
        Assert.That(() => new FeatureLayout([new(FeatureKind.Gaussian, 1, 2)]), Throws.ArgumentException.With.Message.Contain("feature 0"));
        Assert.That(() => new FeatureLayout([new(FeatureKind.Gaussian, 0, 2), new(FeatureKind.Bernoulli, 1, 2)]), Throws.ArgumentException);
        Assert.That(() => new FeatureLayout([new(FeatureKind.Gaussian, 0, 0)]), Throws.ArgumentException);
        Assert.That(() => new FeatureLayout([new(FeatureKind.Categorical, 0, 1)]), Throws.ArgumentException.With.Message.Contain("at least 2"));
        Assert.That(() => new FeatureLayout([new((FeatureKind)7, 0, 1)]), Throws.ArgumentException.With.Message.Contain("unknown feature kind"));
        Assert.That(() => FeatureLayout.From(6, [(0, 3), (2, 2)], FeatureKind.Gaussian), Throws.ArgumentException.With.Message.Contain("two categorical groups"));
    }
}
