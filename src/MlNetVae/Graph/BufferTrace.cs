using MlNetVae.Engine.Kernels;
namespace MlNetVae.Graph;

/// <summary>
/// An executor that computes nothing and records which buffers a formula reads: the formula itself says which fitted
/// statistics a score needs, so no list beside it can drift from it.
/// </summary>
internal sealed class BufferTrace : IOps<object>
{
    private static readonly object Value = new();

    /// <summary>A stand-in for the raw rows a formula starts from.</summary>
    public object Raw => Value;

    /// <summary>The buffer names read so far.</summary>
    public HashSet<string> Buffers { get; } = new(StringComparer.Ordinal);

    public object Parameter(string name) => Value;

    public object Buffer(string name)
    {
        Buffers.Add(name);
        return Value;
    }

    public object Linear(object x, object weight, object bias) => Value;

    public object Conv2d(object x, object weight, object bias, ConvGeometry geometry) => Value;

    public object ConvTranspose2d(object x, object weight, object bias, ConvGeometry geometry) => Value;

    public object MatMul(object x, object w) => Value;

    public object Activate(object x, Activation activation) => Value;

    public object Add(object a, object b) => Value;

    public object Sub(object a, object b) => Value;

    public object Mul(object a, object b) => Value;

    public object Div(object a, object b) => Value;

    public object Scale(object x, float c) => Value;

    public object AddScalar(object x, float c) => Value;

    public object Exp(object x) => Value;

    public object Log(object x) => Value;

    public object LocalMean(object x, int channels, int height, int width) => Value;

    public object Square(object x) => Value;

    public object Clamp(object x, float lo, float hi) => Value;

    public object Sigmoid(object x) => Value;

    public object XLogX(object x) => Value;

    public object BceWithLogits(object logits, object targets) => Value;

    public object Columns(object x, int start, int length) => Value;

    public object ConcatColumns(IReadOnlyList<object> parts) => Value;

    public object RowSum(object x) => Value;

    public object RowLogSumExp(object x) => Value;

    public object ColumnMean(object x) => Value;

    public object Sum(object x) => Value;

    public object Mean(object x) => Value;
}
