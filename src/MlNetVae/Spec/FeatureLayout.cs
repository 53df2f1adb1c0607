namespace MlNetVae.Backends;

/// <summary>The likelihood of a run of features.</summary>
public enum FeatureKind
{
    /// <summary>Values in [0, 1], Bernoulli likelihood on logits, fed as they are.</summary>
    Bernoulli,
    /// <summary>Real values, standardized with the training mean and standard deviation, Gaussian likelihood.</summary>
    Gaussian,
    /// <summary>The one-hot slots (0 or 1) of one categorical column: softmax likelihood over the block.</summary>
    Categorical,
}

/// <summary>A run of consecutive features sharing one likelihood (exactly one one-hot group for categorical blocks).</summary>
/// <param name="Kind">The likelihood.</param>
/// <param name="Start">First feature.</param>
/// <param name="Length">Number of features.</param>
public readonly record struct FeatureBlock(FeatureKind Kind, int Start, int Length);

/// <summary>
/// How a model sees its D input features: runs of features by likelihood, in feature order. Fitted on the
/// training rows (see the fitted feature statistics); the standardization itself is data, kept in the state dict.
/// </summary>
public sealed record FeatureLayout
{
    /// <summary>Creates a layout; the blocks must tile [0, D) in order.</summary>
    public FeatureLayout(IReadOnlyList<FeatureBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count == 0) throw new ArgumentException("a feature layout needs at least one block");
        int next = 0;
        foreach (var b in blocks)
        {
            if (!Enum.IsDefined(b.Kind)) throw new ArgumentException($"unknown feature kind {(int)b.Kind}");
            if (b.Start != next || b.Length < 1) throw new ArgumentException($"feature block {b.Kind} at {b.Start} of length {b.Length} does not " +
                $"continue the layout at feature {next}");
            if (b.Kind == FeatureKind.Categorical && b.Length < 2) throw new ArgumentException($"the categorical block at feature {b.Start} has " +
                $"{b.Length} slot; a category needs at least 2");
            next += b.Length;
        }
        Blocks = blocks.ToArray();
        Features = next;
    }

    /// <summary>The blocks, in feature order.</summary>
    public IReadOnlyList<FeatureBlock> Blocks { get; }

    /// <summary>Number of features D.</summary>
    public int Features { get; }

    /// <summary>Each feature's likelihood, [D].</summary>
    public FeatureKind[] Kinds()
    {
        var kinds = new FeatureKind[Features];
        foreach (var b in Blocks) Array.Fill(kinds, b.Kind, b.Start, b.Length);
        return kinds;
    }

    /// <summary>True when records compare: the same blocks in the same order.</summary>
    public bool Equals(FeatureLayout? other) => other is not null && Blocks.SequenceEqual(other.Blocks);

    /// <inheritdoc/>
    public override int GetHashCode() => Blocks.Aggregate(Features, (h, b) => HashCode.Combine(h, b));

    /// <summary>
    /// The layout for D features: the categorical groups as their own blocks, every other feature of
    /// <paramref name="numeric"/> kind, consecutive numeric features merged into one block.
    /// </summary>
    public static FeatureLayout From(int features, IReadOnlyList<(int Start, int Length)> categoricalGroups, FeatureKind numeric)
    {
        var categorical = new int[features];
        Array.Fill(categorical, -1);
        for (int g = 0; g < categoricalGroups.Count; g++)
        {
            var (start, length) = categoricalGroups[g];
            if (start < 0 || length < 2 || start + length > features)
                throw new ArgumentException($"the categorical group at feature {start} with {length} slots does not fit the {features} features");
            for (int c = start; c < start + length; c++)
            {
                if (categorical[c] >= 0) throw new ArgumentException($"feature {c} belongs to two categorical groups");
                categorical[c] = g;
            }
        }
        var blocks = new List<FeatureBlock>();
        for (int c = 0; c < features;)
        {
            if (categorical[c] >= 0)
            {
                int length = categoricalGroups[categorical[c]].Length;
                blocks.Add(new FeatureBlock(FeatureKind.Categorical, c, length));
                c += length;
                continue;
            }
            int end = c;
            while (end < features && categorical[end] < 0) end++;
            blocks.Add(new FeatureBlock(numeric, c, end - c));
            c = end;
        }
        return new FeatureLayout(blocks);
    }
}
