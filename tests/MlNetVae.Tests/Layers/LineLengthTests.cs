using NUnit.Framework;

namespace MlNetVae.Tests.Layers;

/// <summary>No line of the shipped sources is longer than the .editorconfig's max_line_length (dotnet format does not check it).</summary>
public class LineLengthTests
{
    private const int Limit = 160;

    [Test]
    public void NoSourceLineIsLongerThan160Characters()
    {
        var files = Directory.GetFiles(Path.Combine(Repo.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));
        var longLines = files.SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line.Length)))
            .Where(x => x.Length > Limit).Select(x => $"{Path.GetRelativePath(Repo.Root, x.f)}:{x.i + 1}: {x.Length} characters").ToArray();
        Assert.That(longLines, Is.Empty, string.Join("\n", longLines));
    }
}
