using MlNetVae.Engine.Nn;
using MlNetVae.Vae;

namespace MlNetVae.Onnx.Export;

/// <summary>
/// The pieces every exported graph is made of, each the ONNX twin of one managed computation and written with the
/// same formula in the same order (so ORT's results match the engine's to rounding): standardization, the MLPs,
/// the posterior heads, and the likelihood's mean in raw units. Initializers take our parameter names.
/// </summary>
internal static class VaeGraph
{
    public const string MeanName = "preprocess.mean", ScaleName = "preprocess.scale";

    /// <summary>Raw features [batch, D] to model units: (x - mean) / scale, as <see cref="Preprocessor.Transform"/>.</summary>
    public static string Standardize(GraphBuilder g, VaeModel model, string features)
    {
        var p = model.Preprocessor;
        var centered = g.Binary("Sub", features, g.Initializer(MeanName, p.Mean, p.Features));
        return g.Binary("Div", centered, g.Initializer(ScaleName, p.Scale, p.Features));
    }

    /// <summary>An MLP as Gemm(transB = 1) nodes (our weights are [out, in], as Gemm's B transposed) and activations.</summary>
    public static string Mlp(GraphBuilder g, Sequential mlp, string x)
    {
        foreach (var layer in mlp.Layers)
        {
            x = layer switch
            {
                Linear l => g.Node("Gemm", [x, Parameter(g, l.Weight), Parameter(g, l.Bias)], null, GraphBuilder.Int("transB", 1)),
                ActivationLayer a => Activation(g, a.Activation, x),
                _ => throw new NotSupportedException($"ONNX export does not know the layer {layer.GetType().Name}"),
            };
        }
        return x;
    }

    /// <summary>q(z|x): the encoder's [mu | logVar] split, the log-variance clamped to ±LogVarClamp as <see cref="VaeModel"/> does.</summary>
    public static (string Mean, string LogVar) Posterior(GraphBuilder g, VaeModel model, string standardized, string? meanName = null, string? logVarName = null)
    {
        int k = model.LatentSize;
        float clamp = model.Options.LogVarClamp;
        var stats = Mlp(g, model.Encoder, standardized); // [batch, 2K]
        var mean = g.Columns(stats, 0, k, meanName);
        var logVar = g.Node("Clip", [g.Columns(stats, k, k), g.Scalar(-clamp), g.Scalar(clamp)], logVarName);
        return (mean, logVar);
    }

    /// <summary>
    /// The likelihood's mean in raw feature units from the decoder's output [batch, D], as <see cref="VaeModel.Decode"/>:
    /// sigmoid of Bernoulli logits, softmax over each categorical group, Gaussian means as they are, then x * scale + mean.
    /// </summary>
    public static string RawMean(GraphBuilder g, VaeModel model, string output, string? name)
    {
        var segments = model.Preprocessor.Segments;
        var parts = segments.Select(s =>
        {
            var part = segments.Length == 1 ? output : g.Columns(output, s.Start, s.Length);
            return s.Kind switch
            {
                ColumnKind.Bernoulli => g.Unary("Sigmoid", part),
                ColumnKind.Categorical => g.Node("Softmax", [part], null, GraphBuilder.Int("axis", -1)),
                _ => part,
            };
        }).ToArray();
        var mean = parts.Length == 1 ? parts[0] : g.Node("Concat", parts, null, GraphBuilder.Int("axis", 1));
        var p = model.Preprocessor;
        var scaled = g.Binary("Mul", mean, g.Initializer(ScaleName, p.Scale, p.Features));
        return g.Binary("Add", scaled, g.Initializer(MeanName, p.Mean, p.Features), name);
    }

    /// <summary>The Gaussian log-variance [length] of segment <paramref name="index"/>, an initializer named as its parameter.</summary>
    public static string GaussianLogVar(GraphBuilder g, VaeModel model, int index)
    {
        var s = model.Preprocessor.Segments[index];
        return g.Initializer(GaussianLogVarName(s.Start), model.GaussianLogVar[index]!.Value.Span, s.Length);
    }

    /// <summary>The name of a Gaussian segment's log-variance, learned (a parameter) or fixed.</summary>
    public static string GaussianLogVarName(int start) => $"likelihood.{start}.log_var";

    private static string Parameter(GraphBuilder g, Engine.Autodiff.Parameter p) =>
        g.Initializer(p.Name, p.Value.Span, p.Value.Shape.ToArray().Select(d => (long)d).ToArray());

    private static string Activation(GraphBuilder g, Activation activation, string x) => activation switch
    {
        Engine.Nn.Activation.Relu => g.Unary("Relu", x),
        Engine.Nn.Activation.LeakyRelu => g.Node("LeakyRelu", [x], null, GraphBuilder.Float("alpha", 0.01f)),
        Engine.Nn.Activation.Elu => g.Node("Elu", [x], null, GraphBuilder.Float("alpha", 1f)),
        Engine.Nn.Activation.Tanh => g.Unary("Tanh", x),
        Engine.Nn.Activation.Sigmoid => g.Unary("Sigmoid", x),
        _ => throw new NotSupportedException($"ONNX export does not know the activation {activation}"),
    };
}
