namespace MlNetVae.Spec;

/// <summary>
/// What <see cref="FeatureStatistics"/> are fitted from, accumulated over training rows given block by block, so data
/// of any size is fitted in one pass and O(D) memory: each feature's min, max, sum and sum of squared deviations, and
/// the first row holding a value a Bernoulli likelihood (outside [0, 1]) or a one-hot slot (not 0 or 1) cannot take.
/// </summary>
/// <remarks>
/// The scale is the root mean square deviation from the mean as the model stores it (a float), accumulated in double
/// as deviations from a shift: the first block's mean. With all rows in one block the shift is that mean, which makes
/// this exactly the two-pass computation the in-memory fit has always done (so models trained in memory do not
/// change); over many blocks the shifted sums lose accuracy only if the first block lies thousands of standard
/// deviations from the rest.
/// </remarks>
internal sealed class FeatureMoments
{
    private readonly VaeOptions _options;
    private readonly bool[] _categorical;
    private readonly float[] _min, _max, _shift;
    private readonly double[] _sum, _linear, _squares, _blockSum;
    private readonly (long Row, float Value)[] _outsideUnit, _notBinary;

    /// <summary>Starts empty for rows of <paramref name="features"/> values, under <paramref name="options"/>' likelihood and one-hot groups.</summary>
    public FeatureMoments(int features, VaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (features < 1) throw new ArgumentException("rows have no features");
        _options = options;
        _categorical = FeatureLayout.From(features, options.CategoricalGroups, FeatureKind.Gaussian).Kinds()
            .Select(k => k == FeatureKind.Categorical).ToArray();
        (_min, _max, _shift) = (new float[features], new float[features], new float[features]);
        Array.Fill(_min, float.PositiveInfinity);
        Array.Fill(_max, float.NegativeInfinity);
        (_sum, _linear, _squares, _blockSum) = (new double[features], new double[features], new double[features], new double[features]);
        (_outsideUnit, _notBinary) = (new (long, float)[features], new (long, float)[features]);
        Array.Fill(_outsideUnit, (-1, 0f));
        Array.Fill(_notBinary, (-1, 0f));
    }

    /// <summary>Features per row.</summary>
    public int Features => _min.Length;

    /// <summary>Rows added so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Adds a block of rows, flat [rows, D], finite values, following the rows added before.</summary>
    public void Add(ReadOnlySpan<float> rows)
    {
        int d = Features;
        if (rows.Length == 0 || rows.Length % d != 0) throw new ArgumentException($"{rows.Length} values are not whole rows of {d} features");
        int n = rows.Length / d;
        Array.Clear(_blockSum);
        var blockMin = new float[d];
        var blockMax = new float[d];
        Array.Fill(blockMin, float.PositiveInfinity);
        Array.Fill(blockMax, float.NegativeInfinity);
        for (int r = 0; r < n; r++)
        {
            var row = rows.Slice(r * d, d);
            for (int c = 0; c < d; c++)
            {
                float v = row[c];
                if (v < blockMin[c]) blockMin[c] = v;
                if (v > blockMax[c]) blockMax[c] = v;
                _blockSum[c] += v;
            }
        }
        for (int c = 0; c < d; c++)
        {
            if (Rows == 0) _shift[c] = (float)(_blockSum[c] / n);
            double shift = _shift[c];
            for (int r = 0; r < n; r++)
            {
                double delta = rows[r * d + c] - shift;
                _linear[c] += delta;
                _squares[c] += delta * delta;
            }
            _sum[c] += _blockSum[c];
            _min[c] = Math.Min(_min[c], blockMin[c]);
            _max[c] = Math.Max(_max[c], blockMax[c]);
            if (_outsideUnit[c].Row < 0 && (blockMin[c] < 0f || blockMax[c] > 1f))
                _outsideUnit[c] = First(rows, d, c, v => v < 0f || v > 1f);
            if (_categorical[c] && _notBinary[c].Row < 0)
                _notBinary[c] = First(rows, d, c, v => v != 0f && v != 1f);
        }
        Rows += n;
    }

    /// <summary>
    /// The layout and standardization of the rows added. Throws <see cref="ArgumentException"/> naming the row and
    /// feature of the first value the likelihood cannot take.
    /// </summary>
    public FeatureStatistics Fit()
    {
        if (Rows == 0) throw new ArgumentException("no rows to fit the feature statistics on");
        int d = Features;
        bool allUnit = Enumerable.Range(0, d).All(c => _categorical[c] || _min[c] >= 0f && _max[c] <= 1f);
        var numeric = _options.Likelihood switch
        {
            LikelihoodKind.Bernoulli => FeatureKind.Bernoulli,
            LikelihoodKind.Gaussian => FeatureKind.Gaussian,
            // Images: a learned variance per pixel makes ink where the class has none (a sandal's empty middle) costly,
            // which the one-class benchmark rewards (Graph/SCORES.md); tables: Bernoulli only for values in [0, 1].
            _ => VaeSpec.WantsConvolutions(_options) || !allUnit ? FeatureKind.Gaussian : FeatureKind.Bernoulli,
        };
        var layout = FeatureLayout.From(d, _options.CategoricalGroups, numeric);
        var kinds = layout.Kinds();
        for (int c = 0; c < d; c++)
        {
            if (kinds[c] == FeatureKind.Categorical && _notBinary[c] is { Row: >= 0 } bad)
                throw new ArgumentException($"row {bad.Row}, feature {c}: {bad.Value} in a one-hot categorical slot, expected 0 or 1");
            if (kinds[c] == FeatureKind.Bernoulli && _outsideUnit[c] is { Row: >= 0 } outside)
                throw new ArgumentException($"row {outside.Row}, feature {c}: {outside.Value} is outside [0, 1], which a Bernoulli likelihood needs " +
                    $"(use the Gaussian likelihood for real values)");
        }
        var mean = new float[d];
        var variance = new double[d];
        for (int c = 0; c < d; c++)
        {
            if (kinds[c] != FeatureKind.Gaussian) continue;
            mean[c] = (float)(_sum[c] / Rows);
            // sum (x - mean)^2 from the sums around the shift: S - 2 (mean - shift) L + n (mean - shift)^2.
            double moved = mean[c] - (double)_shift[c];
            variance[c] = (_squares[c] - 2 * moved * _linear[c] + Rows * moved * moved) / Rows;
        }
        var gaussian = Enumerable.Range(0, d).Where(c => kinds[c] == FeatureKind.Gaussian).ToArray();
        double pooled = 0;
        foreach (int c in gaussian) pooled += variance[c];
        // Images: no pixel's scale below a fraction of the pooled deviation (the root mean of the pixels' variances).
        double floor = _options.ImageShape is null || gaussian.Length == 0 ? 0 : FeatureStatistics.ImageScaleFloor * Math.Sqrt(pooled / gaussian.Length);
        var scale = new float[d];
        Array.Fill(scale, 1f);
        foreach (int c in gaussian) scale[c] = Moments.Scale(mean[c], Math.Sqrt(variance[c]), floor);
        return new FeatureStatistics(layout, mean, scale);
    }

    /// <summary>The first row of the block (counted from the first row added) whose value in <paramref name="column"/> is bad, and that value.</summary>
    private (long Row, float Value) First(ReadOnlySpan<float> rows, int d, int column, Func<float, bool> bad)
    {
        for (int r = 0; r * d < rows.Length; r++)
            if (bad(rows[r * d + column])) return (Rows + r, rows[r * d + column]);
        return (-1, 0f);
    }
}
