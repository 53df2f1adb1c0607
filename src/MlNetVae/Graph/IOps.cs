using MlNetVae.Engine.Kernels;
using MlNetVae.Engine.Nn;

namespace MlNetVae.Backends;

/// <summary>
/// The primitives every formula of the model is written with. The network, the likelihoods, the KL, the ELBO and
/// every anomaly score are generic functions over <see cref="IOps{T}"/>, written once; each executor implements the
/// primitives once: the managed tape (training and scoring, the managed tape (<c>TapeOps</c>)), the ONNX writer (export, which
/// thereby traces exactly what the managed engine computes) and TorchSharp (the second training backend).
/// </summary>
/// <typeparam name="T">The executor's value: a tape node, an ONNX value name, a torch tensor.</typeparam>
/// <remarks>
/// Values are matrices [rows, cols] (a batch of rows), vectors [cols] (parameters such as a bias) or scalars [1].
/// Binary elementwise ops broadcast the second operand when it is a vector [cols] (applied to every row) or a
/// column [rows, 1] (applied to every column); otherwise both operands have the same shape.
/// </remarks>
public interface IOps<T> where T : class
{
    /// <summary>The trainable tensor <paramref name="name"/> of the state dict.</summary>
    T Parameter(string name);

    /// <summary>The fixed tensor <paramref name="name"/> of the state dict (standardization, fixed variances, score statistics).</summary>
    T Buffer(string name);

    /// <summary>x W^T + b for x [rows, in], W [out, in] (PyTorch's layout), b [out]: [rows, out].</summary>
    T Linear(T x, T weight, T bias);

    /// <summary>
    /// A 2-D convolution of images stored one per row in CHW order, x [rows, in * h * w] -> [rows, out * oh * ow], with
    /// PyTorch's semantics and weight layout [out, in, kh, kw], bias [out].
    /// </summary>
    T Conv2d(T x, T weight, T bias, ConvGeometry geometry);

    /// <summary>The transposed convolution (PyTorch's ConvTranspose2d, weight [in, out, kh, kw], bias [out]), same row layout.</summary>
    T ConvTranspose2d(T x, T weight, T bias, ConvGeometry geometry);

    /// <summary>x W for x [rows, in] and a buffer W [in, out]: [rows, out].</summary>
    T MatMul(T x, T w);

    /// <summary>A hidden layer's nonlinearity, elementwise.</summary>
    T Activate(T x, Activation activation);

    /// <summary>a + b (broadcasting b).</summary>
    T Add(T a, T b);

    /// <summary>a - b (broadcasting b).</summary>
    T Sub(T a, T b);

    /// <summary>a * b (broadcasting b).</summary>
    T Mul(T a, T b);

    /// <summary>a / b (broadcasting b).</summary>
    T Div(T a, T b);

    /// <summary>c * x.</summary>
    T Scale(T x, float c);

    /// <summary>x + c.</summary>
    T AddScalar(T x, float c);

    /// <summary>e^x.</summary>
    T Exp(T x);

    /// <summary>The natural log, ln x (callers keep x positive).</summary>
    T Log(T x);

    /// <summary>
    /// Each pixel of images stored one per row in CHW order, x [rows, channels * height * width], replaced by the mean of
    /// its 3x3 neighbourhood in its own channel, with zeros beyond the border (always divided by 9): a fixed smoothing.
    /// </summary>
    T LocalMean(T x, int channels, int height, int width);

    /// <summary>x^2.</summary>
    T Square(T x);

    /// <summary>min(max(x, lo), hi).</summary>
    T Clamp(T x, float lo, float hi);

    /// <summary>The logistic sigmoid 1 / (1 + e^-x).</summary>
    T Sigmoid(T x);

    /// <summary>x log x with its limit 0 at x = 0 (and 0 for x &lt; 0): the entropy floor of a target.</summary>
    T XLogX(T x);

    /// <summary>
    /// Binary cross-entropy of logits l against targets t in [0, 1], elementwise: max(l, 0) - l t + log(1 + e^-|l|),
    /// never forming sigmoid(l), so any logit gives a finite, accurate value.
    /// </summary>
    T BceWithLogits(T logits, T targets);

    /// <summary>Columns [start, start + length) of a matrix: [rows, length].</summary>
    T Columns(T x, int start, int length);

    /// <summary>Matrices with the same rows side by side: [rows, sum of cols].</summary>
    T ConcatColumns(IReadOnlyList<T> parts);

    /// <summary>Each row summed: [rows, 1].</summary>
    T RowSum(T x);

    /// <summary>log sum e^x over each row, stably (the row's maximum subtracted first): [rows, 1].</summary>
    T RowLogSumExp(T x);

    /// <summary>The mean of each column over the rows: [cols].</summary>
    T ColumnMean(T x);

    /// <summary>The sum of all elements: a scalar [1].</summary>
    T Sum(T x);

    /// <summary>The mean of all elements: a scalar [1].</summary>
    T Mean(T x);
}
