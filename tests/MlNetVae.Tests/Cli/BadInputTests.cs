using System.Security.Cryptography;
using MlNetVae.Tests.Cli.Data;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli;

/// <summary>
/// Every kind of bad input: exit code 2, exactly one line on stderr naming the problem (file, line, column, what was
/// expected and what was found), no stack trace, nothing on stdout, and no file created or changed anywhere.
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
        string[] Train(Files w, string data) => ["train", "--data", data, "--out", w["out.zip"]];
        string[] Score(CliFixture.Fixture f, Files w, string data) => ["score", "--model", f.CsvModel, "--data", data, "--out", w["out.csv"]];

        yield return C("missing data file", "{w}/nope.csv: file not found", (f, w) => Train(w, w["nope.csv"]));
        yield return C("unreadable data (a folder)", "{w}: is a folder, expected a data file", (f, w) => Train(w, w.Root));
        yield return C("unknown data format", "{w}/data.txt: line 1 looks like data, not a header: cell 1 ('1') is a number", (f, w) => Train(w, w.Write("data.txt", "1,2\n")));
        yield return C("empty CSV", "{w}/empty.csv: empty file, expected a header row", (f, w) => Train(w, w.Write("empty.csv", "")));
        yield return C("header-only CSV", "{w}/header.csv: no data rows after the header", (f, w) => Train(w, w.Write("header.csv", "a,b\n")));
        yield return C("ragged CSV row", "{w}/ragged.csv: line 3: expected 2 columns, found 3", (f, w) => Train(w, w.Write("ragged.csv", "a,b\n1,2\n3,4,5\n")));
        yield return C("non-numeric cell", "{w}/word.csv: line 4, column 'b': expected a number, found 'oops'", (f, w) => Train(w, w.Write("word.csv", "a,b\n1,2\n3,4\n5,oops\n6,7\n")));
        yield return C("NaN", "{w}/nan.csv: line 2, column 'a': expected a finite number, found 'NaN'", (f, w) => Train(w, w.Write("nan.csv", "a,b\nNaN,2\n3,4\n")));
        yield return C("infinity", "{w}/inf.csv: line 3, column 'b': expected a finite number, found '-Infinity'", (f, w) => Train(w, w.Write("inf.csv", "a,b\n1,2\n3,-Infinity\n")));
        yield return C("wrong feature count for the model", "--data {w}/three.csv: 3 features per row, the model expects 36",
            (f, w) => ["embed", "--model", f.ImageModel, "--data", w.Write("three.csv", "a,b,c\n1,2,3\n"), "--out", w["out.csv"]]);
        yield return C("wrong columns for the model's CSV schema", "{w}/cols.csv: line 1: expected the 4 columns a,colour,b,c, found the 2 columns a,b",
            (f, w) => Score(f, w, w.Write("cols.csv", "a,b\n1,2\n")));
        yield return C("unseen category", "{w}/cat.csv: line 2, column 'colour': category 'purple' was not seen when the model was fitted",
            (f, w) => Score(f, w, w.Write("cat.csv", "a,colour,b,c\n1,purple,2,3\n")));
        yield return C("corrupt model", "{w}/junk.zip: not a model file, or truncated (no zip end record where it belongs)",
            (f, w) => ["score", "--model", w.Write("junk.zip", "PK\u0003\u0004 garbage"), "--data", f.TestCsv, "--out", w["out.csv"]]);
        yield return C("truncated model", "{w}/half.zip: not a model file, or truncated (no zip end record where it belongs)", (f, w) =>
        {
            var bytes = File.ReadAllBytes(f.CsvModel);
            File.WriteAllBytes(w["half.zip"], bytes[..(bytes.Length * 2 / 3)]);
            return ["embed", "--model", w["half.zip"], "--data", f.TestCsv, "--out", w["out.csv"]];
        });
        yield return C("foreign model (a CSV)", "test.csv: not a model file, or truncated", (f, w) => ["embed", "--model", f.TestCsv, "--data", f.TestCsv, "--out", w["out.csv"]]);
        yield return C("missing model", "{w}/none.zip: model file not found", (f, w) => ["embed", "--model", w["none.zip"], "--data", f.TestCsv, "--out", w["out.csv"]]);
        yield return C("negative epochs", "--epochs: must be between 1 and 100000, got -1", (f, w) => [.. Train(w, f.TrainCsv), "--epochs", "-1"]);
        yield return C("latent size 0", "--latent: must be between 1 and 4096, got 0", (f, w) => [.. Train(w, f.TrainCsv), "--latent", "0"]);
        yield return C("learning rate 0", "--lr: must be above 0 and at most 10, got 0", (f, w) => [.. Train(w, f.TrainCsv), "--lr", "0"]);
        yield return C("batch 0", "--batch: must be between 1 and 65536, got 0", (f, w) => [.. Train(w, f.TrainCsv), "--batch", "0"]);
        yield return C("hidden width 0", "--hidden: must be between 1 and 65536, got 0", (f, w) => [.. Train(w, f.TrainCsv), "--hidden", "16,0"]);
        yield return C("validation fraction 1.5", "--val-fraction: must be between 0 and 0.9, got 1.5", (f, w) => [.. Train(w, f.TrainCsv), "--val-fraction", "1.5"]);
        yield return C("contamination 2", "--contamination: must be above 0 and at most 0.5, got 2", (f, w) => [.. Train(w, f.TrainCsv), "--contamination", "2"]);
        yield return C("unknown likelihood", "--likelihood: expected one of auto, bernoulli, gaussian, found 'poisson'", (f, w) => [.. Train(w, f.TrainCsv), "--likelihood", "poisson"]);
        yield return C("epochs not a number", "--epochs: expected a number, found 'abc'", (f, w) => [.. Train(w, f.TrainCsv), "--epochs", "abc"]);
        yield return C("sample count 0", "--count must be between 1 and 100000, got 0", (f, w) => ["sample", "--model", f.CsvModel, "--count", "0", "--out", w["out.csv"]]);
        yield return C("class without labels", "--class needs --labels (the IDX label file)", (f, w) => ["train", "--data", f.Images, "--class", "1", "--out", w["out.zip"]]);
        yield return C("output in a missing folder (train)", "--out {w}/missing/out.zip: the folder {w}/missing does not exist",
            (f, w) => ["train", "--data", f.TrainCsv, "--out", w["missing/out.zip"]]);
        yield return C("output in a missing folder (score)", "the folder {w}/missing does not exist", (f, w) => ["score", "--model", f.CsvModel, "--data", f.TestCsv, "--out", w["missing/s.csv"]]);
        yield return C("output in a missing folder (export)", "the folder {w}/missing does not exist", (f, w) => ["export", "--model", f.CsvModel, "--out", w["missing/onnx"]]);
        yield return C("PNG grid of a table model", "--out {w}/out.png: a PNG grid needs an image model (trained on IDX images, or with --image-shape); this model reads table rows of 6 features: write a .csv instead", (f, w) => ["sample", "--model", f.CsvModel, "--out", w["out.png"]]);
        // Added with the rewrite.
        yield return C("seed not a number", "--seed: expected a whole number, found '1.5'", (f, w) => ["sample", "--model", f.CsvModel, "--seed", "1.5", "--out", w["out.csv"]]);
        yield return C("sample to a .txt", "--out {w}/out.txt: expected a .png or .csv file name", (f, w) => ["sample", "--model", f.CsvModel, "--out", w["out.txt"]]);
        yield return C("image model on CSV-trained model", "the model was trained on CSV data, not images", (f, w) => ["embed", "--model", f.CsvModel, "--data", f.Images, "--out", w["out.csv"]]);
        yield return C("labels with CSV data", "--labels", (f, w) => [.. Train(w, f.TrainCsv), "--labels", f.Labels]);
        yield return C("missing label column", "no label column 'y' in the header (a,colour,b,c,label)", (f, w) => [.. Train(w, f.TrainCsv), "--label-column", "y"]);
        yield return C("samples not a number", "--samples: expected a whole number, found 'abc'", (f, w) => [.. Score(f, w, f.TestCsv), "--samples", "abc"]);
        yield return C("iwae int.MaxValue", "--iwae must be between 0 and 100000, got 2147483647", (f, w) => [.. Score(f, w, f.TestCsv), "--iwae", "2147483647"]);
        yield return C("latent 100000000", "--latent: must be between 1 and 4096, got 100000000", (f, w) => [.. Train(w, f.TrainCsv), "--latent", "100000000"]);
        yield return C("batch int.MaxValue", "--batch: must be between 1 and 65536, got 2147483647", (f, w) => [.. Train(w, f.TrainCsv), "--batch", "2147483647"]);
        yield return C("threads 1000", $"--threads: this machine has {Environment.ProcessorCount} cores; more threads than cores only slow training down (0 = all cores)", (f, w) => [.. Train(w, f.TrainCsv), "--threads", "1000"]);
        yield return C("unknown command", "unknown command 'trian'; the commands are train, embed, reconstruct, score, evaluate, export, sample, report, demo (see mlnetvae --help)", (f, w) => ["trian", "--data", f.TrainCsv]);
        yield return C("--out equal to --data", "{w}/data.csv: is the input file {w}/data.csv; writing it would replace the input, choose another output path", (f, w) =>
        {
            File.Copy(f.TestCsv, w["data.csv"]);
            return ["score", "--model", f.CsvModel, "--data", w["data.csv"], "--out", w["data.csv"]];
        });
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
