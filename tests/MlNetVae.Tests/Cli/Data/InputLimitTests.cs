using System.Text;
using MlNetVae.Cli.Data;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli.Data;

/// <summary>
/// Small files that would make a command take gigabytes (many columns, one-hot columns multiplying the features, long
/// categories, other separators, bad quoting, huge cells) are refused with one short line naming the problem, before
/// the memory is allocated. (Many rows are no such problem: training streams them, LargeInputTests.)
/// </summary>
public class InputLimitTests
{
    private static InvalidDataException Refused(string path) =>
        Assert.Throws<InvalidDataException>(() => Dataset.Open(path, null, null, null).ReadFeatures())!;

    /// <summary>A CSV of <paramref name="rows"/> rows from <paramref name="row"/>, under the header <paramref name="header"/>.</summary>
    private static string Csv(Files files, string name, string header, int rows, Func<int, string> row)
    {
        var text = new StringBuilder(header).Append('\n');
        for (int i = 0; i < rows; i++) text.Append(row(i)).Append('\n');
        return files.Write(name, text.ToString());
    }

    [Test]
    public void ACsvOfMoreColumnsThanTheFeatureLimitIsRefusedAtItsHeader()
    {
        using var files = new Files();
        const int columns = 150_000;
        string path = Csv(files, "wide.csv", string.Join(',', Enumerable.Range(0, columns).Select(i => $"c{i}")), 3, r => string.Join(',', Enumerable.Repeat(r, columns)));
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(Refused(path).Message, Is.EqualTo($"{path}: line 1 names 150,000 columns: at least 149,999 features per row; the limit is 16,384 (the default network trains on that many in under 1 GB of memory; more take gigabytes)"));
        // Only the header line was read: its 150,000 names, nothing per row or per feature.
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - allocated, Is.LessThan(64 << 20));
        var (code, _, stderr) = CliRunner.Run("train", "--data", path, "--out", files["m.zip"]);
        Assert.That((code, stderr.Trim().Split('\n').Length), Is.EqualTo((2, 1)));
        Assert.That(File.Exists(files["m.zip"]), Is.False);
    }

    [Test]
    public void OneHotColumnsGivingMoreFeaturesThanTheLimitAreRefusedWhileTheirCategoriesAreCounted()
    {
        using var files = new Files();
        // 17 text columns of 1,000 categories each (within the per-column limit for 2,000 rows): 17,000 features.
        string path = Csv(files, "codes.csv", "x," + string.Join(',', Enumerable.Range(0, 17).Select(c => $"t{c}")), 2000,
            r => $"{r}.5," + string.Join(',', Enumerable.Range(0, 17).Select(c => $"k{(r + c) % 1000}")));
        string message = Refused(path).Message;
        TestContext.Out.WriteLine(message);
        Assert.That(message, Does.StartWith($"{path}: the numeric columns and the categories seen by line ").And.Contain(" alone has ").And.EndWith("16,385 features per row; the limit is 16,384 (the default network trains on that many in under 1 GB of memory; more take gigabytes)"));
    }

    [Test]
    public void ACategoryLongerThanTheLimitIsRefusedQuotingAShortPrefix()
    {
        using var files = new Files();
        string text = new('w', 5000);
        string path = Csv(files, "notes.csv", "x,note", 10, r => $"{r}.5,{(r == 7 ? text : r % 2 == 0 ? "a" : "b")}");
        Assert.That(Refused(path).Message, Is.EqualTo($"{path}: line 9, column 'note': a text cell of 5,000 characters ('{text[..40]}...' (5,000 characters)); categories may have at most 1,024 characters: free text is not a category, drop the column"));
    }

    [TestCase("a\tb\tc\n1\t2\t3\n4\t5\t6\n", "'a\\tb\\tc', holding 2 tabs: a tab-separated file? The CLI reads comma-separated values; convert it, e.g. tr '\\t' ','", TestName = "ATabSeparatedFileIsRefusedWithTheFix")]
    [TestCase("a;b\n1,5;2,5\n3,5;4\n", "'a;b', holding 1 semicolon: a semicolon-separated file? The CLI reads comma-separated values; export it again with ',' between cells and '.' as the decimal point", TestName = "ASemicolonSeparatedFileIsRefusedWithTheFix")]
    [TestCase("a|b\n1|2\n", "'a|b', holding 1 bar: a bar-separated file?", TestName = "ABarSeparatedFileIsRefusedWithTheFix")]
    public void AHeaderOfOneColumnHoldingAnotherSeparatorIsRefused(string text, string expected)
    {
        using var files = new Files();
        string path = files.Write("data.csv", text);
        Assert.That(Refused(path).Message, Does.StartWith($"{path}: line 1 is one column, {expected}"));
        // One column with a plain name is a one-column table.
        Assert.That(Dataset.Open(files.Write("one.csv", "reading\n1\n2\n3\n"), null, null, null).Features, Is.EqualTo(1));
    }

    [Test]
    public void AnUnclosedQuoteIsNamedOnItsOwnLineAndTheLinesAfterItAreNotSwallowed()
    {
        using var files = new Files();
        // The quote on line 3 would take the 20,000 lines after it as one 150 KB cell if cells could span lines.
        string path = Csv(files, "quote.csv", "a,b", 20_000, r => r == 1 ? "1,\"2" : $"{r},{r}.5");
        string message = Refused(path).Message;
        Assert.That(message, Is.EqualTo($"{path}: line 3: an unclosed quote: a cell opens a quote that does not close on its line (cells cannot span lines)"));
        Assert.That(Refused(files.Write("stray.csv", "a,b\n1,2\n3,4\"5\n")).Message, Does.EndWith("stray.csv: line 3: a quote inside an unquoted cell; quote the whole cell and double the quotes inside it (\"a \"\"b\"\"\")"));
    }

    [Test]
    public void AHugeOrHostileCellIsQuotedAsAShortPlainPrefix()
    {
        using var files = new Files();
        string huge = "1" + new string('2', 10 << 20) + "x"; // a 10 MB "number"
        string path = files.Write("huge.csv", $"a,b\n1,2\n3,{huge}\n");
        string message = Refused(path).Message;
        Assert.That(message, Is.EqualTo($"{path}: line 3, column 'b': expected a number, found '1{new string('2', 39)}...' (10,485,762 characters)"));

        string escape = files.Write("escape.csv", "a,b\n1,2\n3,\"\u001b[31mred\tcell\"\n");
        Assert.That(Refused(escape).Message, Does.EndWith("line 3, column 'b': expected a number, found '\\u001B[31mred\\tcell'"), "control characters cannot reach the terminal");
    }
}
