using System.IO.Compression;
using System.Text;
using MlNetVae.Cli.Data;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli.Data;

/// <summary>Real-world and hostile CSV files: gzip, headerless files, other locales' numbers, huge or binary input.</summary>
public class CsvInputTests
{
    private static string Sklearn(string name) => Path.Combine(AppContext.BaseDirectory, "reference", "sklearn", name);

    private static void Gzip(string path, byte[] bytes)
    {
        using var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gzip.Write(bytes);
    }

    /// <summary>Opens a CSV file as a command does (the schema learned in one pass) and reads every row.</summary>
    private static Dataset Read(string path, string? labelColumn = null)
    {
        var data = Dataset.Open(path, null, null, labelColumn);
        data.ReadFeatures();
        return data;
    }

    private static InvalidDataException Refused(string path) => Assert.Throws<InvalidDataException>(() => Read(path))!;

    [Test]
    public void GzipIsRecognizedByItsMagicBytesWhateverTheName()
    {
        using var files = new Files();
        var text = Encoding.UTF8.GetBytes("x,colour\n1.5,red\n2,blue\n");
        Gzip(files["d.csv.gz"], text);
        Gzip(files["named-plain.csv"], text);
        var plain = Read(files.Write("d.csv", "x,colour\n1.5,red\n2,blue\n")).ReadFeatures();
        Assert.That(plain, Is.EqualTo(new[] { 1.5f, 0, 1, 2, 1, 0 }), "x, colour=blue, colour=red");
        foreach (var name in new[] { "d.csv.gz", "named-plain.csv" })
            Assert.That(Read(files[name]).ReadFeatures(), Is.EqualTo(plain), name);
    }

    [Test]
    public void ATruncatedOrCorruptGzipIsAnErrorNamingTheFile()
    {
        using var files = new Files();
        var text = Encoding.UTF8.GetBytes("x,y\n" + string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i},{i * 7 % 13}.25\n")));
        Gzip(files["whole.csv.gz"], text);
        var bytes = File.ReadAllBytes(files["whole.csv.gz"]);
        // Cut at a line end of the compressed stream's data or not, a cut must never read as a shorter, valid file.
        foreach (int cut in new[] { bytes.Length - 4, bytes.Length / 2 })
        {
            File.WriteAllBytes(files["cut.csv.gz"], bytes[..cut]);
            Assert.That(Refused(files["cut.csv.gz"]).Message, Does.StartWith($"{files["cut.csv.gz"]}: truncated or corrupt gzip file"), $"cut at {cut}");
        }
        var corrupt = (byte[])bytes.Clone();
        for (int i = 12; i < 40; i++) corrupt[i] ^= 0x5a;
        File.WriteAllBytes(files["corrupt.csv.gz"], corrupt);
        Assert.That(Refused(files["corrupt.csv.gz"]).Message, Does.StartWith($"{files["corrupt.csv.gz"]}: ").And.Contain("gzip"));
    }

    [TestCase("iris.csv", "150", TestName = "SklearnIrisAsShippedIsRefusedAsHeaderless")]
    [TestCase("breast_cancer.csv", "569", TestName = "SklearnBreastCancerAsShippedIsRefusedAsHeaderless")]
    [TestCase("digits.csv.gz", "0", TestName = "SklearnDigitsGzipAsShippedIsRefusedAsHeaderless")]
    public void AFirstLineOfDataIsNotTakenForAHeader(string name, string cell)
    {
        string path = Sklearn(name);
        Assert.That(Refused(path).Message, Is.EqualTo(
            $"{path}: line 1 looks like data, not a header: cell 1 ('{cell}') is a number, and column names must not be numbers; add a header line naming the columns (or rename the numeric ones)"));
    }

    [Test]
    public void ANumericColumnNameIsRefusedToo()
    {
        using var files = new Files();
        string path = files.Write("years.csv", "country,2020\nfr,1.5\nde,2.5\n");
        Assert.That(Refused(path).Message, Does.Contain("line 1 looks like data, not a header: cell 2 ('2020') is a number"));
    }

    [Test]
    public void SklearnIrisWithAHeaderLineReadsAndItsClassColumnIsFlagged()
    {
        using var files = new Files();
        var lines = File.ReadAllLines(Sklearn("iris.csv"));
        string path = files.Write("iris.csv", string.Join('\n', ["sepal_length,sepal_width,petal_length,petal_width,species", .. lines[1..]]) + "\n");
        var data = Read(path);
        Assert.That(data.Rows, Is.EqualTo(150));
        Assert.That(data.FeatureNames, Has.Count.EqualTo(5));
        Assert.That(data.Warnings, Is.EqualTo(new[]
        {
            $"{path}: column 'species' looks like a label (integers with 3 distinct values among continuous columns) but is used as a feature; if it is a label, pass --label-column species",
        }));
        var labelled = Read(path, labelColumn: "species");
        Assert.That(labelled.FeatureNames, Has.Count.EqualTo(4));
        Assert.That(labelled.ReadLabels()!.GroupBy(l => l).Select(g => (g.Key, g.Count())), Is.EqualTo(new[] { (0f, 50), (1f, 50), (2f, 50) }));
        Assert.That(labelled.Warnings, Is.Empty, "a named label column needs no hint");
    }

    [Test]
    public void SklearnBreastCancerWithAHeaderLineReadsAndItsTargetColumnIsFlagged()
    {
        using var files = new Files();
        var lines = File.ReadAllLines(Sklearn("breast_cancer.csv"));
        string header = string.Join(',', Enumerable.Range(0, 30).Select(i => $"f{i}")) + ",target";
        string path = files.Write("bc.csv", string.Join('\n', [header, .. lines[1..]]) + "\n");
        var data = Read(path);
        Assert.That(data.Rows, Is.EqualTo(569));
        Assert.That(data.Warnings, Has.Count.EqualTo(1));
        Assert.That(data.Warnings[0], Does.Contain("column 'target' looks like a label (by its name)").And.EndWith("pass --label-column target"));
    }

    [Test]
    public void AHeaderAddedAboveSklearnsMetadataLineGetsALine2Error()
    {
        using var files = new Files();
        string iris = files.Write("iris.csv", "a,b,c,d,e\n" + File.ReadAllText(Sklearn("iris.csv")));
        Assert.That(Refused(iris).Message, Is.EqualTo($"{iris}: line 2, column 'c': expected a number, found 'setosa'"));
        string header = string.Join(',', Enumerable.Range(0, 31).Select(i => $"f{i}"));
        string cancer = files.Write("bc.csv", header + "\n" + File.ReadAllText(Sklearn("breast_cancer.csv")));
        Assert.That(Refused(cancer).Message, Is.EqualTo($"{cancer}: line 2: expected 31 columns, found 4"));
    }

    [TestCase("x,y\n1,\"0,9417\"\n2,\"0,5\"\n", 2, "0,9417", TestName = "CsvDecimalComma")]
    [TestCase("x,y\n1,\"0,5\"\n2,\"0,5\"\n", 2, "0,5", TestName = "CsvDecimalCommaSingleValue")]
    [TestCase("x,y\n1,2\n2,\"1,234.5\"\n", 3, "1,234.5", TestName = "CsvThousandsComma")]
    [TestCase("x,y\n1,\"1.234,5\"\n2,3\n", 2, "1.234,5", TestName = "CsvThousandsDot")]
    [TestCase("x,y\n1,\"1 234 567\"\n2,\"12 345\"\n", 2, "1 234 567", TestName = "CsvThousandsSpace")]
    [TestCase("x,y\n1,2\n2,3\n3,\"-7,25\"\n4,5\n", 4, "-7,25", TestName = "CsvOneDecimalCommaInANumericColumn")]
    public void NumbersInAnotherLocaleAreReportedWithTheExpectedFormat(string text, int line, string cell)
    {
        using var files = new Files();
        string path = files.Write("locale.csv", text);
        Assert.That(Refused(path).Message, Is.EqualTo(
            $"{path}: line {line}, column 'y': found '{cell}', a number in another format; expected invariant-culture digits with '.' as the decimal point and no thousands separator (e.g. 1234.5)"));
    }

    [Test]
    public void AMostlyTextColumnStaysCategoricalEvenWithANumberLikeCategory()
    {
        using var files = new Files();
        var data = Read(files.Write("c.csv", "x,size\n1,small\n2,large\n3,\"1,5\"\n4,1.2.3\n"));
        Assert.That(data.FeatureNames, Is.EqualTo(new[] { "x", "size=1,5", "size=1.2.3", "size=large", "size=small" }));
    }

    [TestCase("0,9417", true)]
    [TestCase("-12,5", true)]
    [TestCase("1,234.5", true)]
    [TestCase("1.234,5", true)]
    [TestCase("1.234.567", true)]
    [TestCase("1'234.5", true)]
    [TestCase("1\u00A0234,5", true)]
    [TestCase("1.5", false)]
    [TestCase("1e3", false)]
    [TestCase("abc", false)]
    [TestCase("1.2.3", false)]
    [TestCase("1,23.4", false)]
    [TestCase("1,234,5", false)]
    [TestCase("12,34,56", false)]
    public void OtherLocaleNumberFormatsAreRecognized(string cell, bool other) =>
        Assert.That(CsvNumber.IsOtherFormat(cell), Is.EqualTo(other));

    [TestCase(10, 50)]
    [TestCase(100, 50)]
    [TestCase(400, 200)]
    [TestCase(2000, 1000)]
    [TestCase(40000, 1000)]
    public void TheCategoryLimitIsHalfTheRowsBetween50And1000(int rows, int limit) =>
        Assert.That(CsvSchema.CategoryLimit(rows), Is.EqualTo(limit));

    [Test]
    public void ATimestampColumnWith40000DistinctValuesIsNotOneHotEncoded()
    {
        using var files = new Files();
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var text = new StringBuilder("x,time\n");
        for (int i = 0; i < 40000; i++) text.Append($"{i % 17}.5,{start.AddSeconds(i):yyyy-MM-ddTHH:mm:ss}\n");
        string path = files.Write("ts.csv", text.ToString());
        Assert.That(Refused(path).Message, Is.EqualTo(
            $"{path}: column 'time' has more than 1000 distinct values, too many to one-hot encode (limit 1000 for 40000 rows); drop the column, or make it numeric (e.g. a timestamp as seconds)"));
    }

    [Test]
    public void TheCategoryLimitIsInclusive()
    {
        using var files = new Files();
        string Csv(int distinct) => "x,id\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"{i},id{i % distinct}\n"));
        Assert.That(Read(files.Write("ok.csv", Csv(50))).FeatureNames, Has.Count.EqualTo(51));
        Assert.That(Refused(files.Write("over.csv", Csv(51))).Message, Does.Contain("column 'id' has 51 distinct values, too many to one-hot encode (limit 50 for 100 rows)"));
    }

    [Test]
    public void LabelLookingColumnsAreWarnedAboutNotRefused()
    {
        using var files = new Files();
        string Csv(string header, Func<int, string> row) => header + "\n" + string.Concat(Enumerable.Range(0, 30).Select(i => row(i) + "\n"));
        var byName = Read(files.Write("n.csv", Csv("a,b,IS_ANOMALY", i => $"{i}.5,{i % 4}.25,{i % 2}")));
        Assert.That(byName.Warnings, Is.EqualTo(new[] { $"{files["n.csv"]}: column 'IS_ANOMALY' looks like a label (by its name) but is used as a feature; if it is a label, pass --label-column IS_ANOMALY" }));
        var text = Read(files.Write("t.csv", Csv("a,target", i => $"{i}.5,{(i % 2 == 0 ? "yes" : "no")}")));
        Assert.That(text.Warnings.Single(), Is.EqualTo($"{files["t.csv"]}: column 'target' looks like a label (by its name) but is used as a feature; if it is a label, pass --label-column target"), "names work as labels too");

        var quiet = new Dictionary<string, string>
        {
            ["two small integer columns"] = Csv("a,k,m", i => $"{i}.5,{i % 3},{i % 4}"),
            ["only integers"] = Csv("a,k", i => $"{i},{i % 3}"),
            ["few rows"] = "a,k\n" + string.Concat(Enumerable.Range(0, 19).Select(i => $"{i}.5,{i % 3}\n")),
            ["eleven values"] = Csv("a,k", i => $"{i}.5,{i % 11}"),
        };
        foreach (var (why, csv) in quiet)
            Assert.That(Read(files.Write("q.csv", csv)).Warnings, Is.Empty, why);
        Assert.That(new CsvSchema([new CsvColumn("label", CsvColumnKind.Numeric, [])]).Warnings, Is.Empty, "a loaded schema has no warnings");
    }

    [Test]
    public void AGigabyteOfNulBytesFailsAtItsFirstBlock()
    {
        using var files = new Files();
        using (var file = File.Create(files["nul.csv"])) file.SetLength(1L << 30); // sparse: no disk space used
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(Refused(files["nul.csv"]).Message, Is.EqualTo($"{files["nul.csv"]}: byte 0 is a NUL byte: a binary or UTF-16 file, expected UTF-8 CSV text"));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - allocated, Is.LessThan(16 << 20), "the first block, not the gigabyte, was read");
    }

    [Test]
    public void NulBytesAreFoundAfterTextAndInsideGzip()
    {
        using var files = new Files();
        File.WriteAllBytes(files["late.csv"], [.. "x,y\n1,2\n"u8, 0, .. "3\n"u8]);
        Assert.That(Refused(files["late.csv"]).Message, Does.Contain("byte 8 is a NUL byte"));
        Gzip(files["nul.csv.gz"], new byte[64 << 20]);
        Assert.That(Refused(files["nul.csv.gz"]).Message, Is.EqualTo($"{files["nul.csv.gz"]}: byte 0 (decompressed) is a NUL byte: a binary or UTF-16 file, expected UTF-8 CSV text"));
    }

    [Test]
    public void ARecordLongerThan16MiBIsAnError()
    {
        using var files = new Files();
        string huge = new('7', (16 << 20) + 1);
        Assert.That(Refused(files.Write("row.csv", $"x,y\n1,2\n3,{huge}\n")).Message, Is.EqualTo($"{files["row.csv"]}: line 3: a record longer than 16 MiB (an unclosed quote, or not a CSV file)"));
        Assert.That(Refused(files.Write("quote.csv", $"x,y\n1,\"{huge}")).Message, Does.Contain(": line 2: an unclosed quote"));
        Assert.That(Refused(files.Write("header.csv", huge)).Message, Does.Contain(": line 1: a record longer than 16 MiB"));
        string justUnder = new string('0', (16 << 20) - 8) + "1"; // a long way to write 1
        Assert.That(Read(files.Write("ok.csv", $"x,y\n1,2\n3,{justUnder}\n")).Rows, Is.EqualTo(2));
    }
}
