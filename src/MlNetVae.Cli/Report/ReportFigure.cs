namespace MlNetVae.Cli.Report;

/// <summary>One picture of the report: its file name inside the report folder and a one-line caption saying what to look for.</summary>
/// <param name="File">The PNG file name, relative to the report folder.</param>
/// <param name="Caption">What the picture shows and what to look for in it.</param>
internal sealed record ReportFigure(string File, string Caption);
