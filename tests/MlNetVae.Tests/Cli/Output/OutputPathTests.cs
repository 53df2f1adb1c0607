using MlNetVae.Cli.Output;
using MlNetVae.Tests.Cli.Data;
using NUnit.Framework;

namespace MlNetVae.Tests.Cli.Output;

public class OutputPathTests
{
    [Test]
    public void AnOutputThatResolvesToAnInputIsRefused()
    {
        using var files = new Files();
        string input = files.Write("data.csv", "x\n1\n");
        Directory.CreateDirectory(files["sub"]);
        File.CreateSymbolicLink(files["link.csv"], "data.csv");
        File.CreateSymbolicLink(files["dirlink"], files.Root);
        foreach (var output in new[] { input, files["sub/../data.csv"], files["./data.csv"], files["link.csv"], files["dirlink/data.csv"], files["dirlink/sub/../link.csv"] })
        {
            var e = Assert.Throws<ArgumentException>(() => OutputPath.EnsureNotInput(output, null, files["other.csv"], input))!;
            Assert.That(e.Message, Does.StartWith($"{output}: is the input file {input}").And.EndWith("writing it would replace the input, choose another output path"), output);
        }
        // The reverse too: the input given through a link, the output by its real name.
        Assert.Throws<ArgumentException>(() => OutputPath.EnsureNotInput(input, files["link.csv"]));
    }

    [Test]
    public void OtherPathsPass()
    {
        using var files = new Files();
        string input = files.Write("data.csv", "x\n1\n");
        Posix.HardLink(input, files["hard.csv"]); // a rename replaces the link's name only: the input is safe
        Assert.DoesNotThrow(() => OutputPath.EnsureNotInput(files["scores.csv"], input, null));
        Assert.DoesNotThrow(() => OutputPath.EnsureNotInput(files["hard.csv"], input));
        Assert.DoesNotThrow(() => OutputPath.EnsureNotInput(files["data.csv.gz"], input));
    }

    [Test]
    public void ResolveAppliesDotDotAfterTheLinkItFollows()
    {
        using var files = new Files();
        Directory.CreateDirectory(files["a/b/c"]);
        File.CreateSymbolicLink(files["l"], "a/b/c");
        Assert.That(OutputPath.Resolve(files["l/../x.csv"]), Is.EqualTo(files["a/b/x.csv"]), "the kernel's reading, not the lexical one");
        Assert.That(Path.GetFullPath(files["l/../x.csv"]), Is.EqualTo(files["x.csv"]));
        Assert.That(OutputPath.Resolve(files["missing/dir/f.csv"]), Is.EqualTo(files["missing/dir/f.csv"]));
        File.CreateSymbolicLink(files["loop"], "loop");
        Assert.That(Assert.Throws<IOException>(() => OutputPath.Resolve(files["loop"]))!.Message, Does.Contain("more than 40 symbolic links"));
    }
}
