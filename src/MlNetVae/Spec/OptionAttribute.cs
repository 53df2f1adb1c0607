namespace MlNetVae.Spec;

/// <summary>
/// Describes one setting of <see cref="VaeOptions"/> once: its command-line flag, its help text and its valid range.
/// Validation, the model file, ONNX metadata and the CLI's flags are all derived from these attributes, so a new
/// option is one attributed property (see <see cref="OptionCatalog"/>).
/// </summary>
/// <param name="flag">The CLI flag without dashes (e.g. <c>latent</c> for <c>--latent</c>); null keeps the option off the CLI.</param>
/// <param name="description">One line of help.</param>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
internal sealed class OptionAttribute(string? flag, string description) : Attribute
{
    /// <summary>The CLI flag without dashes, or null when the option is library-only.</summary>
    public string? Flag { get; } = flag;

    /// <summary>One line of help.</summary>
    public string Description { get; } = description;

    /// <summary>Smallest valid value (each element, for arrays); inclusive unless <see cref="MinExclusive"/>.</summary>
    public double Min { get; init; } = double.NegativeInfinity;

    /// <summary>Largest valid value (each element, for arrays), inclusive. Caps keep absurd values from reaching an allocation.</summary>
    public double Max { get; init; } = double.PositiveInfinity;

    /// <summary>True when <see cref="Min"/> itself is not valid (a learning rate must be above 0).</summary>
    public bool MinExclusive { get; init; }

    /// <summary>
    /// For a numeric setting added after model files were first written: the value those files were trained with, which
    /// they get when read back instead of today's default (NaN: the default is what they had).
    /// </summary>
    public double Absent { get; init; } = double.NaN;
}
