using MlNetVae.Spec;

namespace MlNetVae.Benchmarks;

/// <summary>The benchmarks' <c>--set flag=value</c> arguments (the CLI's flag names, repeatable) applied to options.</summary>
internal static class SetFlags
{
    public static VaeOptions Apply(string[] args, VaeOptions options)
    {
        var settings = args.Zip(args.Skip(1)).Where(p => p.First == "--set").Select(p => p.Second.Split('=', 2))
            .Select(p => OptionCatalog.All.Single(o => o.Attribute.Flag == p[0]) is var info ? (info, OptionCatalog.Parse(info, p[1])) : default);
        return OptionCatalog.With(options, settings);
    }
}
