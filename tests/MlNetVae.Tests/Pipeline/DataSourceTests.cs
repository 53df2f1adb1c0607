using MlNetVae.Pipeline;
using MlNetVae.Vae;
using NUnit.Framework;

namespace MlNetVae.Tests.Pipeline;

public class DataSourceTests
{
    private static readonly float[][] Rows = [[1f, 2f, 3f], [4f, 5f, 6f]];

    [Test]
    public void EveryInMemorySourceGivesTheSameRows()
    {
        var matrix = new float[,] { { 1f, 2f, 3f }, { 4f, 5f, 6f } };
        var batches = new[] { new ReadOnlyMemory<float>([1f, 2f, 3f]), new ReadOnlyMemory<float>([4f, 5f, 6f]) };
        var items = new[] { (Id: 1, Values: Rows[0]), (Id: 2, Values: Rows[1]) };
        foreach (var data in new[] { VaeData.FromArrays(Rows), VaeData.FromMatrix(matrix), VaeData.FromBatches(batches, 3), VaeData.From(items, i => i.Values) })
        {
            Assert.That(data.Rows, Is.EqualTo(Rows), data.Source);
            Assert.That(data.FeatureNames, Is.EqualTo(new[] { "f0", "f1", "f2" }));
        }
    }

    [Test]
    public void SchemaIsCheckedBeforeFittingAndNamesRowAndColumn()
    {
        var ragged = Assert.Throws<ArgumentException>(() => VaeData.FromArrays([[1f, 2f], [3f]]))!;
        Assert.That(ragged.Message, Does.Contain("row 1 has 1 values, expected 2"));
        var nan = Assert.Throws<ArgumentException>(() => VaeData.FromArrays([[1f, 2f], [3f, float.NaN]]))!;
        Assert.That(nan.Message, Does.Contain("row 1, column 1"));
        var batch = Assert.Throws<ArgumentException>(() => VaeData.FromBatches([new ReadOnlyMemory<float>([1f, 2f, 3f])], 2))!;
        Assert.That(batch.Message, Does.Contain("batch 0"));
        Assert.Throws<ArgumentException>(() => VaeData.FromArrays([]));
    }

    [Test]
    public void CsvStringColumnsAreOneHotGroupsWithSortedCategories()
    {
        using var files = new Files();
        var data = VaeData.FromCsv(files.Write("d.csv", "x,colour,y\n1.5,red,2\n2,blue,3\n3,red,1e2\n"));
        Assert.That(data.FeatureNames, Is.EqualTo(new[] { "x", "colour=blue", "colour=red", "y" }));
        Assert.That(data.Rows, Is.EqualTo(new[] { new[] { 1.5f, 0f, 1f, 2f }, new[] { 2f, 1f, 0f, 3f }, new[] { 3f, 0f, 1f, 100f } }));
        Assert.That(data.Schema!.CategoricalGroups, Is.EqualTo(new[] { (1, 2) }));
        var model = new VaeEstimator(new VaeOptions { EncoderHidden = [4], LatentSize = 1, Epochs = 1 }).Fit(data);
        Assert.That(model.Model.Options.CategoricalGroups, Is.EqualTo(new[] { (1, 2) }), "one-hot groups become VaeOptions.CategoricalGroups");
        Assert.That(model.Model.Preprocessor.Kinds[1], Is.EqualTo(ColumnKind.Categorical));
    }

    [Test]
    public void AnUnseenCategoryAtScoringTimeIsReportedWithFileLineAndColumn()
    {
        using var files = new Files();
        var model = new VaeEstimator(new VaeOptions { EncoderHidden = [4], LatentSize = 1, Epochs = 1 })
            .Fit(VaeData.FromCsv(files.Write("train.csv", "x,colour\n1,red\n2,blue\n3,red\n")));
        string test = files.Write("test.csv", "x,colour\n1,red\n2,green\n");
        var e = Assert.Throws<InvalidDataException>(() => model.ReadCsv(test))!;
        Assert.That(e.Message, Is.EqualTo($"{test}: line 3, column 'colour': category 'green' was not seen when the model was fitted (known: blue, red)"));
    }

    [TestCase("x,y\n1,2\n3\n", "line 3: expected 2 columns, found 1", TestName = "CsvRaggedRow")]
    [TestCase("x,y\n1,2\n3,abc\n4,5\n", "line 3, column 'y': expected a number, found 'abc'", TestName = "CsvNonNumericCell")]
    [TestCase("x,y\n1,2\n3,NaN\n", "line 3, column 'y': expected a finite number, found 'NaN'", TestName = "CsvNaN")]
    [TestCase("x,y\n1,Infinity\n3,4\n", "line 2, column 'y': expected a finite number, found 'Infinity'", TestName = "CsvInfinity")]
    [TestCase("x,y\n", "no data rows", TestName = "CsvHeaderOnly")]
    [TestCase("", "empty file", TestName = "CsvEmpty")]
    public void BadCsvIsRejectedNamingTheProblem(string text, string message)
    {
        using var files = new Files();
        string path = files.Write("bad.csv", text);
        var e = Assert.Throws<InvalidDataException>(() => VaeData.FromCsv(path))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain(message));
    }

    [Test]
    public void IdxImagesAreScaledAndFilteredByClass()
    {
        using var files = new Files();
        var (images, labels) = files.Idx("t-idx3-ubyte", 12, 4);
        var all = VaeData.FromIdx(images, labels);
        Assert.That(all.Count, Is.EqualTo(12));
        Assert.That(all.Rows.SelectMany(r => r), Is.All.InRange(0f, 1f));
        var two = VaeData.FromIdx(images, labels, keepClass: 2);
        Assert.That(two.Count, Is.EqualTo(4));
        Assert.That(two.Labels, Is.All.EqualTo(2));
    }
}
