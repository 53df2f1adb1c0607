namespace MlNetVae.Vae;

/// <summary>How the model treats one column.</summary>
public enum ColumnKind
{
    /// <summary>A value in [0, 1], Bernoulli likelihood, fed as is.</summary>
    Bernoulli,
    /// <summary>A real value, standardized with the training mean and standard deviation, Gaussian likelihood.</summary>
    Gaussian,
    /// <summary>One slot (0 or 1) of a one-hot categorical group, softmax likelihood over the group.</summary>
    Categorical,
}

/// <summary>A run of consecutive columns sharing one likelihood (one whole group for categorical columns).</summary>
/// <param name="Kind">The likelihood of the run.</param>
/// <param name="Start">First column.</param>
/// <param name="Length">Number of columns.</param>
public readonly record struct Segment(ColumnKind Kind, int Start, int Length);

/// <summary>
/// What the model learned about its input columns at fit time: each column's likelihood, and the
/// standardization of Gaussian columns. It maps raw rows to the model's units and decoded means back.
/// </summary>
public sealed class Preprocessor
{
    /// <summary>Creates a preprocessor from its fitted state (used by model loading).</summary>
    public Preprocessor(ColumnKind[] kinds, float[] mean, float[] scale, (int Start, int Length)[] categoricalGroups)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(scale);
        if (mean.Length != kinds.Length || scale.Length != kinds.Length)
            throw new ArgumentException($"preprocessor: {kinds.Length} columns but {mean.Length} means and {scale.Length} scales");
        if (scale.Any(s => !(s > 0) || !float.IsFinite(s))) throw new ArgumentException("preprocessor: every scale must be positive and finite");
        Kinds = kinds;
        Mean = mean;
        Scale = scale;
        ArgumentNullException.ThrowIfNull(categoricalGroups);
        CategoricalGroups = categoricalGroups;
        Segments = BuildSegments(kinds, categoricalGroups);
    }

    /// <summary>Number of input columns.</summary>
    public int Features => Kinds.Length;

    /// <summary>Each column's likelihood.</summary>
    public ColumnKind[] Kinds { get; }

    /// <summary>Subtracted from each column (0 for all but Gaussian columns).</summary>
    public float[] Mean { get; }

    /// <summary>Each column is divided by this after the mean is subtracted (1 for all but Gaussian columns).</summary>
    public float[] Scale { get; }

    /// <summary>One-hot groups as (first column, slot count).</summary>
    public (int Start, int Length)[] CategoricalGroups { get; }

    /// <summary>The columns as runs sharing one likelihood (one segment per categorical group), in column order.</summary>
    public Segment[] Segments { get; }

    /// <summary>
    /// Learns column kinds and standardization from the training rows.
    /// Throws <see cref="ArgumentException"/> naming the row and column of the first value that cannot be used.
    /// </summary>
    public static Preprocessor Fit(IReadOnlyList<float[]> rows, VaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        if (rows.Count == 0) throw new ArgumentException("no training rows");
        int d = rows[0].Length;
        if (d == 0) throw new ArgumentException("rows have no columns");
        for (int r = 0; r < rows.Count; r++)
        {
            if (rows[r].Length != d) throw new ArgumentException($"row {r} has {rows[r].Length} values, expected {d}");
            for (int c = 0; c < d; c++)
                if (!float.IsFinite(rows[r][c])) throw new ArgumentException($"row {r}, column {c}: {rows[r][c]} is not a finite number");
        }

        var kinds = new ColumnKind[d];
        foreach (var (start, length) in options.CategoricalGroups)
        {
            if (start + length > d) throw new ArgumentException($"categorical group at column {start} with {length} slots exceeds the {d} columns");
            for (int c = start; c < start + length; c++)
            {
                if (kinds[c] == ColumnKind.Categorical) throw new ArgumentException($"column {c} belongs to two categorical groups");
                kinds[c] = ColumnKind.Categorical;
            }
        }

        // One pass over the rows for every column's range and mean, a second for the variance.
        var min = new float[d];
        var max = new float[d];
        var sum = new double[d];
        Array.Fill(min, float.PositiveInfinity);
        Array.Fill(max, float.NegativeInfinity);
        foreach (var row in rows)
            for (int c = 0; c < d; c++)
            {
                float v = row[c];
                if (v < min[c]) min[c] = v;
                if (v > max[c]) max[c] = v;
                sum[c] += v;
            }
        bool allUnit = true;
        for (int c = 0; c < d; c++)
            if (kinds[c] != ColumnKind.Categorical && (min[c] < 0f || max[c] > 1f)) allUnit = false;
        var numeric = options.Likelihood switch
        {
            LikelihoodKind.Bernoulli => ColumnKind.Bernoulli,
            LikelihoodKind.Gaussian => ColumnKind.Gaussian,
            _ => allUnit ? ColumnKind.Bernoulli : ColumnKind.Gaussian,
        };
        var mean = new float[d];
        var scale = new float[d];
        Array.Fill(scale, 1f);
        for (int c = 0; c < d; c++)
        {
            if (kinds[c] == ColumnKind.Categorical)
            {
                CheckOneHotSlot(rows, c);
                continue;
            }
            kinds[c] = numeric;
            if (numeric == ColumnKind.Bernoulli)
            {
                if (min[c] < 0f || max[c] > 1f)
                {
                    int r = FirstRow(rows, c, v => v < 0f || v > 1f);
                    throw new ArgumentException($"row {r}, column {c}: {rows[r][c]} is outside [0, 1], which a Bernoulli likelihood needs (use the Gaussian likelihood for real values)");
                }
                continue;
            }
            mean[c] = (float)(sum[c] / rows.Count);
        }
        var sumSq = new double[d];
        foreach (var row in rows)
            for (int c = 0; c < d; c++)
            {
                double delta = row[c] - (double)mean[c];
                sumSq[c] += delta * delta;
            }
        for (int c = 0; c < d; c++)
        {
            if (kinds[c] != ColumnKind.Gaussian) continue;
            double std = Math.Sqrt(sumSq[c] / rows.Count);
            // A constant column carries no information: leave its scale at 1 so it maps to 0 instead of dividing by 0.
            scale[c] = std > 1e-12 * Math.Max(1, Math.Abs(mean[c])) ? (float)std : 1f;
        }
        return new Preprocessor(kinds, mean, scale, options.CategoricalGroups);
    }

    /// <summary>Maps one raw row to model units (standardizes Gaussian columns).</summary>
    public void Transform(ReadOnlySpan<float> raw, Span<float> model)
    {
        for (int c = 0; c < raw.Length; c++) model[c] = (raw[c] - Mean[c]) / Scale[c];
    }

    /// <summary>Maps one row in model units (a decoded mean) back to raw units.</summary>
    public void InverseTransform(ReadOnlySpan<float> model, Span<float> raw)
    {
        for (int c = 0; c < model.Length; c++) raw[c] = model[c] * Scale[c] + Mean[c];
    }

    private static void CheckOneHotSlot(IReadOnlyList<float[]> rows, int c)
    {
        int r = FirstRow(rows, c, v => v != 0f && v != 1f);
        if (r >= 0) throw new ArgumentException($"row {r}, column {c}: {rows[r][c]} in a one-hot categorical slot, expected 0 or 1");
    }

    private static int FirstRow(IReadOnlyList<float[]> rows, int column, Func<float, bool> bad)
    {
        for (int r = 0; r < rows.Count; r++)
            if (bad(rows[r][column])) return r;
        return -1;
    }

    private static Segment[] BuildSegments(ColumnKind[] kinds, (int Start, int Length)[] groups)
    {
        var segments = new List<Segment>();
        for (int c = 0; c < kinds.Length;)
        {
            if (kinds[c] == ColumnKind.Categorical)
            {
                var group = groups.FirstOrDefault(g => g.Start == c);
                if (group.Length == 0) throw new ArgumentException($"column {c} is categorical but starts no categorical group");
                int length = group.Length;
                segments.Add(new Segment(ColumnKind.Categorical, c, length));
                c += length;
                continue;
            }
            int run = CountRun(kinds, c);
            segments.Add(new Segment(kinds[c], c, run));
            c += run;
        }
        return segments.ToArray();
    }

    private static int CountRun(ColumnKind[] kinds, int start)
    {
        int end = start;
        while (end < kinds.Length && kinds[end] == kinds[start]) end++;
        return end - start;
    }
}
