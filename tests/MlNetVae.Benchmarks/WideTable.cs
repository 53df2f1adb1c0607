using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetVae.Engine.Randomness;

namespace MlNetVae.Benchmarks;

/// <summary>
/// A generated sensor table of 50 features as large as asked, each row computed from its index (so a view of a
/// billion rows holds none of them): six hidden factors and an operating mode drive every feature non-linearly, at
/// its own offset and scale. A fraction of rows are anomalies of three kinds: one sensor off by 6 to 10 times its
/// noise, half the sensors following another operating point, or every sensor five times noisier. With
/// <c>sorted</c>, rows come ordered by mode and then by the first factor, as a file sorted by time or machine would.
/// </summary>
internal sealed class WideTable(long rows, double anomalies, int seed, bool sorted = false) : IDataView
{
    public const int Features = 50;
    private const int Factors = 6;

    private static readonly float[] Weights, Offsets, Scales, Noise; // (D, Factors), (D), (D), (D)

    static WideTable()
    {
        var rng = new Rng(7);
        Weights = new float[Features * Factors];
        rng.FillNormal(Weights, 0, 0.6f);
        Offsets = new float[Features];
        rng.FillNormal(Offsets, 0, 100);
        Scales = Enumerable.Range(0, Features).Select(j => MathF.Pow(10, j % 4 - 1)).ToArray();
        Noise = Enumerable.Range(0, Features).Select(j => 0.05f + 0.1f * (j % 3)).ToArray();
    }

    public long Rows => rows;

    public DataViewSchema Schema { get; } = MakeSchema();

    public bool CanShuffle => false;

    public long? GetRowCount() => rows;

    /// <summary>Row <paramref name="index"/>'s features, and whether it is an anomaly.</summary>
    public bool Row(long index, Span<float> x)
    {
        var rng = new Rng((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index);
        Span<float> z = stackalloc float[Factors];
        rng.FillNormal(z);
        int mode = rng.NextInt(3);
        if (sorted)
        {
            long perMode = (rows + 2) / 3;
            mode = (int)(index / perMode);
            z[0] = (float)Probit((index % perMode + 0.5) / perMode);
        }
        bool anomaly = rng.NextFloat() < anomalies;
        int kind = anomaly ? rng.NextInt(3) : -1;
        Span<float> other = stackalloc float[Factors];
        rng.FillNormal(other);
        int sensor = rng.NextInt(Features);
        float shift = (6 + 4 * rng.NextFloat()) * (rng.NextFloat() < 0.5f ? -1 : 1);
        for (int j = 0; j < Features; j++)
        {
            var factors = kind == 1 && j % 2 == 0 ? other : z;
            float h = (mode - 1) * 0.8f;
            for (int f = 0; f < Factors; f++) h += Weights[j * Factors + f] * factors[f];
            float clean = MathF.Tanh(h) + 0.3f * factors[j % Factors] * factors[j % Factors];
            float noise = Noise[j] * (kind == 2 ? 5 : 1) * NextNormal(rng);
            if (kind == 0 && j == sensor) noise += shift * Noise[j];
            x[j] = Offsets[j] + Scales[j] * (clean + noise);
        }
        return anomaly;
    }

    /// <summary>Every row as CSV (<c>f0..f49</c>, 4 decimals), for the CLI.</summary>
    public void WriteCsv(string path)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine(string.Join(',', Enumerable.Range(0, Features).Select(j => $"f{j}")));
        var x = new float[Features];
        for (long r = 0; r < rows; r++)
        {
            Row(r, x);
            writer.WriteLine(string.Join(',', x.Select(v => v.ToString("0.####", CultureInfo.InvariantCulture))));
        }
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded)];

    private static float NextNormal(Rng rng)
    {
        Span<float> one = stackalloc float[1];
        rng.FillNormal(one);
        return one[0];
    }

    /// <summary>The standard normal quantile (Abramowitz and Stegun 26.2.23, absolute error below 4.5e-4).</summary>
    private static double Probit(double p)
    {
        double q = p < 0.5 ? p : 1 - p, t = Math.Sqrt(-2 * Math.Log(q));
        double x = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
        return p < 0.5 ? -x : x;
    }

    private static DataViewSchema MakeSchema()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, Features));
        builder.AddColumn("Label", BooleanDataViewType.Instance);
        return builder.ToSchema();
    }

    private sealed class Cursor(WideTable table) : DataViewRowCursor
    {
        private readonly float[] _x = new float[Features];
        private bool _anomaly;
        private long _position = -1;

        public override DataViewSchema Schema => table.Schema;
        public override long Position => _position;
        public override long Batch => 0;
        public override bool IsColumnActive(DataViewSchema.Column column) => true;
        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override bool MoveNext()
        {
            if (++_position >= table.Rows) return false;
            _anomaly = table.Row(_position, _x);
            return true;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => column.Index == 0
            ? (ValueGetter<TValue>)(Delegate)(ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) =>
            {
                var editor = VBufferEditor.Create(ref v, Features);
                _x.CopyTo(editor.Values);
                v = editor.Commit();
            })
            : (ValueGetter<TValue>)(Delegate)(ValueGetter<bool>)((ref bool b) => b = _anomaly);
    }
}
