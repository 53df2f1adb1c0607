namespace MlNetVae.Tests.Cli;

/// <summary>A CSV file the CLI wrote (no quoted cells in these tests): its header and its rows of cells.</summary>
internal sealed record CsvFile(string[] Header, string[][] Rows)
{
    public static CsvFile Read(string path)
    {
        var lines = File.ReadAllLines(path);
        return new CsvFile(lines[0].Split(','), lines[1..].Select(l => l.Split(',')).ToArray());
    }

    public string[] Column(string name) => Rows.Select(r => r[Array.IndexOf(Header, name)]).ToArray();
}
