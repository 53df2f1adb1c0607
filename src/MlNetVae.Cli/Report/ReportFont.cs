using ScottPlot;
using SkiaSharp;

namespace MlNetVae.Cli.Report;

/// <summary>
/// The one font of every report picture: DejaVu Sans, embedded in this assembly (see Fonts/LICENSE.txt).
/// </summary>
/// <remarks>
/// The NoDependencies build of SkiaSharp finds fonts only by scanning /usr/share/fonts; on a machine without fonts
/// ScottPlot then draws every title, tick label and legend as nothing, without an error. Serving our own font for every
/// name ScottPlot asks for also makes the pictures the same on every machine, whatever fonts it has.
/// </remarks>
internal static class ReportFont
{
    /// <summary>The family name the pictures ask for.</summary>
    public const string Family = "DejaVu Sans";

    private static readonly Lazy<SKTypeface> regular = new(() => Load("DejaVuSans.ttf"));
    private static readonly Lazy<SKTypeface> bold = new(() => Load("DejaVuSans-Bold.ttf"));
    private static readonly Lazy<bool> registered = new(RegisterWithScottPlot);

    /// <summary>The regular or bold typeface, for text drawn directly with SkiaSharp.</summary>
    public static SKTypeface Typeface(bool isBold = false) => isBold ? bold.Value : regular.Value;

    /// <summary>Makes ScottPlot use the embedded font for all text; safe to call from any thread, any number of times.</summary>
    public static void UseInScottPlot() => _ = registered.Value;

    private static bool RegisterWithScottPlot()
    {
        // First in the list: ScottPlot asks resolvers in order and caches the first answer per name and style.
        Fonts.FontResolvers.Insert(0, new EmbeddedResolver());
        Fonts.Default = Fonts.Sans = Family;
        return true;
    }

    private static SKTypeface Load(string file)
    {
        using var stream = typeof(ReportFont).Assembly.GetManifestResourceStream($"MlNetVae.Cli.Report.Fonts.{file}")
            ?? throw new InvalidOperationException($"the embedded font {file} is missing from the assembly");
        return SKTypeface.FromStream(stream) ?? throw new InvalidOperationException($"the embedded font {file} did not load");
    }

    /// <summary>Answers every font request, whatever the name, so that no system font is ever used.</summary>
    private sealed class EmbeddedResolver : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            Typeface(weight >= FontWeight.SemiBold);

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) => Typeface(bold);
    }
}
