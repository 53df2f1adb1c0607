using System.Security.Cryptography;
using MlNetVae.Tests.Pipeline;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli;

/// <summary>
/// Every kind of bad input: exit code 2, exactly one line on stderr naming the problem, no stack trace, and no file
/// created or changed in the working folder.
/// </summary>
public class BadInputTests
{
    /// <summary>A case: the arguments (given the fixture and a scratch folder holding prepared files) and the message expected.</summary>
    public sealed record Case(Func<CliFixture.Fixture, Files, string[]> Args, string Message);

    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData C(string name, string message, Func<CliFixture.Fixture, Files, string[]> args) =>
            new TestCaseData(new Case(args, message)).SetName($"BadInput({name})");
        // Every case fails before training starts, so no training settings are needed.
        string[] Train(Files w, string data) => ["train", "--data", data, "--out", w["out.vae"]];
        string[] Score(CliFixture.Fixture f, Files w, string data) => ["score", "--model", f.CsvModel, "--data", data, "--out", w["out.csv"]];

        yield return C("missing data file", "--data {w}/nope.csv: file not found", (f, w) => Train(w, w["nope.csv"]));
        yield return C("unreadable data (a folder)", "is a folder, expected a file", (f, w) => Train(w, w.Root));
        yield return C("unknown data format", "unknown data format", (f, w) => Train(w, w.Write("data.txt", "1,2\n")));
        yield return C("empty CSV", "{w}/empty.csv: empty file, expected a header row", (f, w) => Train(w, w.Write("empty.csv", "")));
        yield return C("header-only CSV", "{w}/header.csv: no data rows after the header", (f, w) => Train(w, w.Write("header.csv", "a,b\n")));
        yield return C("ragged CSV row", "{w}/ragged.csv: line 3: expected 2 columns, found 3", (f, w) => Train(w, w.Write("ragged.csv", "a,b\n1,2\n3,4,5\n")));
        yield return C("non-numeric cell", "{w}/word.csv: line 4, column 'b': expected a number, found 'oops'", (f, w) => Train(w, w.Write("word.csv", "a,b\n1,2\n3,4\n5,oops\n6,7\n")));
        yield return C("NaN", "{w}/nan.csv: line 2, column 'a': expected a finite number, found 'NaN'", (f, w) => Train(w, w.Write("nan.csv", "a,b\nNaN,2\n3,4\n")));
        yield return C("infinity", "{w}/inf.csv: line 3, column 'b': expected a finite number, found '-Infinity'", (f, w) => Train(w, w.Write("inf.csv", "a,b\n1,2\n3,-Infinity\n")));
        yield return C("wrong feature count for the model", "{w}/three.csv: 3 features per row, the model expects 36",
            (f, w) => ["embed", "--model", f.ImageModel, "--data", w.Write("three.csv", "a,b,c\n1,2,3\n"), "--out", w["out.csv"]]);
        yield return C("wrong columns for the model's CSV schema", "line 1: expected the 4 columns a,colour,b,c",
            (f, w) => Score(f, w, w.Write("cols.csv", "a,b\n1,2\n")));
        yield return C("unseen category", "{w}/cat.csv: line 2, column 'colour': category 'purple' was not seen when the model was fitted",
            (f, w) => Score(f, w, w.Write("cat.csv", "a,colour,b,c\n1,purple,2,3\n")));
        yield return C("corrupt model", "{w}/junk.vae: not a readable MlNetVae model file",
            (f, w) => ["score", "--model", w.Write("junk.vae", "PK\u0003\u0004 garbage"), "--data", f.TestCsv, "--out", w["out.csv"]]);
        yield return C("truncated model", "{w}/half.vae: not a readable MlNetVae model file", (f, w) =>
        {
            var bytes = File.ReadAllBytes(f.CsvModel);
            File.WriteAllBytes(w["half.vae"], bytes[..(bytes.Length * 2 / 3)]);
            return ["embed", "--model", w["half.vae"], "--data", f.TestCsv, "--out", w["out.csv"]];
        });
        yield return C("foreign model (a CSV)", "not a readable MlNetVae model file", (f, w) => ["embed", "--model", f.TestCsv, "--data", f.TestCsv, "--out", w["out.csv"]]);
        yield return C("missing model", "--model {w}/none.vae: file not found", (f, w) => ["embed", "--model", w["none.vae"], "--data", f.TestCsv, "--out", w["out.csv"]]);
        yield return C("negative epochs", "--epochs: must be positive, got -1", (f, w) => [.. Train(w, f.TrainCsv), "--epochs", "-1"]);
        yield return C("latent size 0", "--latent: must be positive, got 0", (f, w) => [.. Train(w, f.TrainCsv), "--latent", "0"]);
        yield return C("learning rate 0", "--lr: must be positive, got 0", (f, w) => [.. Train(w, f.TrainCsv), "--lr", "0"]);
        yield return C("batch 0", "--batch: must be positive, got 0", (f, w) => [.. Train(w, f.TrainCsv), "--batch", "0"]);
        yield return C("hidden width 0", "--hidden: expected positive widths", (f, w) => [.. Train(w, f.TrainCsv), "--hidden", "16,0"]);
        yield return C("validation fraction 1.5", "--val-fraction: must be in [0, 1), got 1.5", (f, w) => [.. Train(w, f.TrainCsv), "--val-fraction", "1.5"]);
        yield return C("contamination 2", "--contamination must lie strictly between 0 and 1, got 2", (f, w) => [.. Train(w, f.TrainCsv), "--contamination", "2"]);
        yield return C("unknown likelihood", "--likelihood: Argument 'poisson' not recognized", (f, w) => [.. Train(w, f.TrainCsv), "--likelihood", "poisson"]);
        yield return C("epochs not a number", "Cannot parse argument 'abc' for option '--epochs'", (f, w) => [.. Train(w, f.TrainCsv), "--epochs", "abc"]);
        yield return C("sample count 0", "--count must be positive, got 0", (f, w) => ["sample", "--model", f.CsvModel, "--count", "0", "--out", w["out.csv"]]);
        yield return C("class without labels", "--class needs --labels", (f, w) => ["train", "--data", f.Images, "--class", "1", "--out", w["out.vae"]]);
        yield return C("output in a missing folder (train)", "--out {w}/missing/out.vae: the folder {w}/missing does not exist",
            (f, w) => ["train", "--data", f.TrainCsv, "--out", w["missing/out.vae"]]);
        yield return C("output in a missing folder (score)", "the folder {w}/missing does not exist", (f, w) => ["score", "--model", f.CsvModel, "--data", f.TestCsv, "--out", w["missing/s.csv"]]);
        yield return C("output in a missing folder (export)", "the folder {w}/missing does not exist", (f, w) => ["export", "--model", f.CsvModel, "--out", w["missing/onnx"]]);
        yield return C("PNG grid of a non-square model", "a PNG grid needs a square feature count", (f, w) => ["sample", "--model", f.CsvModel, "--out", w["out.png"]]);
    }

    [TestCaseSource(nameof(Cases))]
    public void BadInput(Case c)
    {
        var fixture = CliFixture.Get();
        using var work = new Files();
        var args = c.Args(fixture, work);
        var before = Snapshot(work.Root);
        var fixtureBefore = Snapshot(fixture.Files.Root);

        var (code, stdout, stderr) = CliRunner.Run(args);

        Assert.That(code, Is.EqualTo(2), stderr);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), "exactly one line on stderr");
        Assert.That(lines[0], Does.StartWith("mlnetvae: error: ").And.Contain(c.Message.Replace("{w}", work.Root)));
        Assert.That(stderr, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(stdout, Is.Empty);
        Assert.That(Snapshot(work.Root), Is.EqualTo(before), "no file created, changed or left behind");
        Assert.That(Snapshot(fixture.Files.Root), Is.EqualTo(fixtureBefore), "the inputs are untouched");
    }

    /// <summary>Every file and folder under <paramref name="root"/> with a hash of its contents (hidden temporary files included).</summary>
    private static string[] Snapshot(string root) =>
        Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Order()
            .Select(p => File.Exists(p) ? $"{p} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))}" : p + "/")
            .ToArray();
}
