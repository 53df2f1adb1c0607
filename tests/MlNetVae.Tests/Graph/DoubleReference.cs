using MlNetVae.Backends;
using MlNetVae.Engine.Nn;
using MlNetVae.Spec;

namespace MlNetVae.Tests.Graph;

/// <summary>What the double-precision reference computes for one row.</summary>
/// <param name="X">The row in model units, [D].</param>
/// <param name="Mean">Posterior mean, [K].</param>
/// <param name="LogVar">Clamped posterior log-variance, [K].</param>
/// <param name="Output">The decoder's output at z = mean, [D].</param>
/// <param name="Nll">-log p(x | z = mean).</param>
/// <param name="Divergence">Nll less the smallest value it can take for this x.</param>
/// <param name="Kl">KL(q(z|x) || N(0, I)).</param>
/// <param name="SquaredError">Squared error of the likelihood's mean, model units.</param>
/// <param name="Reconstruction">The likelihood's mean in raw units, [D].</param>
internal sealed record ReferenceRow(double[] X, double[] Mean, double[] LogVar, double[] Output, double Nll, double Divergence, double Kl, double SquaredError, double[] Reconstruction);

/// <summary>
/// The model's forward pass and every likelihood term written again, independently of the library's formulas, with
/// plain loops in double precision, from the spec and the state dict alone (the definitions of onnx/CONTRACT.md).
/// </summary>
internal sealed class DoubleReference(VaeModelParameters model)
{
    private readonly StateDict _state = model.State;
    private readonly VaeSpec _spec = model.Spec;

    /// <summary>One raw row through the model at z = posterior mean.</summary>
    public ReferenceRow Row(ReadOnlySpan<float> raw)
    {
        int d = _spec.Features, k = _spec.LatentSize;
        var mu = _state[VaeSpec.InputMean].Data;
        var sc = _state[VaeSpec.InputScale].Data;
        var x = new double[d];
        for (int j = 0; j < d; j++) x[j] = Math.Clamp((raw[j] - (double)mu[j]) / sc[j], -1e6, 1e6);
        var stats = Mlp(_spec.Encoder, x);
        var mean = stats[..k];
        var logVar = stats[k..].Select(v => Math.Clamp(v, -_spec.Options.LogVarClamp, _spec.Options.LogVarClamp)).ToArray();
        var output = Decode(mean);
        var (nll, divergence) = Terms(output, x);
        double kl = 0;
        for (int i = 0; i < k; i++) kl += 0.5 * (Math.Exp(logVar[i]) + mean[i] * mean[i] - 1 - logVar[i]);
        var p = LikelihoodMean(output);
        double squared = 0;
        for (int j = 0; j < d; j++) squared += (x[j] - p[j]) * (x[j] - p[j]);
        return new ReferenceRow(x, mean, logVar, output, nll, divergence, kl, squared, ToRaw(p));
    }

    /// <summary>The decoder's output for a latent row, [D].</summary>
    public double[] Decode(double[] z) => Mlp(_spec.Decoder, z);

    /// <summary>The likelihood's mean in raw units for a latent row, [D].</summary>
    public double[] DecodeToRaw(double[] z) => ToRaw(LikelihoodMean(Decode(z)));

    /// <summary>-log p(x | output) and its divergence from a perfect reconstruction, summed over every block.</summary>
    public (double Nll, double Divergence) Terms(double[] output, double[] x)
    {
        var (nll, divergence) = PerFeature(output, x);
        return (nll.Sum(), divergence.Sum());
    }

    /// <summary>
    /// -log p(x | output) and its divergence per explained feature: one value per numeric column, one per one-hot group
    /// (the tables' FeatureContributions layout).
    /// </summary>
    public (double[] Nll, double[] Divergence) PerFeature(double[] output, double[] x)
    {
        var nll = new List<double>();
        var divergence = new List<double>();
        foreach (var block in _spec.Layout.Blocks)
        {
            int s = block.Start, n = block.Length;
            switch (block.Kind)
            {
                case FeatureKind.Bernoulli:
                    for (int j = s; j < s + n; j++)
                    {
                        // log sigmoid(l) = -softplus(-l), log(1 - sigmoid(l)) = -softplus(l).
                        double t = x[j], logP = -Softplus(-output[j]), logQ = -Softplus(output[j]);
                        nll.Add(-(t * logP + (1 - t) * logQ));
                        divergence.Add((t > 0 ? t * (Math.Log(t) - logP) : 0) + (t < 1 ? (1 - t) * (Math.Log(1 - t) - logQ) : 0));
                    }
                    break;
                case FeatureKind.Gaussian:
                    var v = _state[$"likelihood.{s}.log_var"].Data;
                    for (int j = s; j < s + n; j++)
                    {
                        double e = x[j] - output[j], weighted = e * e / Math.Exp(v[j - s]);
                        nll.Add(0.5 * (Math.Log(2 * Math.PI) + v[j - s] + weighted));
                        divergence.Add(0.5 * weighted);
                    }
                    break;
                default:
                    double max = double.NegativeInfinity, sum = 0, groupNll = 0, groupDivergence = 0;
                    for (int j = s; j < s + n; j++) max = Math.Max(max, output[j]);
                    for (int j = s; j < s + n; j++) sum += Math.Exp(output[j] - max);
                    double logNormalizer = max + Math.Log(sum);
                    for (int j = s; j < s + n; j++)
                    {
                        double t = x[j], logSoftmax = output[j] - logNormalizer;
                        groupNll -= t * logSoftmax;
                        groupDivergence += t > 0 ? t * (Math.Log(t) - logSoftmax) : 0;
                    }
                    nll.Add(groupNll);
                    divergence.Add(groupDivergence);
                    break;
            }
        }
        return (nll.ToArray(), divergence.ToArray());
    }

    /// <summary>Squared error of the likelihood's mean per explained feature, model units (a one-hot group's slots summed).</summary>
    public double[] SquaredErrorPerFeature(double[] output, double[] x)
    {
        var p = LikelihoodMean(output);
        var result = new List<double>();
        foreach (var block in _spec.Layout.Blocks)
        {
            var squares = Enumerable.Range(block.Start, block.Length).Select(j => (x[j] - p[j]) * (x[j] - p[j]));
            if (block.Kind == FeatureKind.Categorical) result.Add(squares.Sum());
            else result.AddRange(squares);
        }
        return result.ToArray();
    }

    /// <summary>sigmoid, identity or softmax of each block, model units.</summary>
    public double[] LikelihoodMean(double[] output)
    {
        var p = new double[output.Length];
        foreach (var block in _spec.Layout.Blocks)
        {
            int s = block.Start, n = block.Length;
            if (block.Kind == FeatureKind.Bernoulli)
                for (int j = s; j < s + n; j++) p[j] = 1 / (1 + Math.Exp(-output[j]));
            else if (block.Kind == FeatureKind.Gaussian)
                for (int j = s; j < s + n; j++) p[j] = output[j];
            else
            {
                double max = output.Skip(s).Take(n).Max(), sum = 0;
                for (int j = s; j < s + n; j++) sum += Math.Exp(output[j] - max);
                for (int j = s; j < s + n; j++) p[j] = Math.Exp(output[j] - max) / sum;
            }
        }
        return p;
    }

    private double[] ToRaw(double[] p)
    {
        var mu = _state[VaeSpec.InputMean].Data;
        var sc = _state[VaeSpec.InputScale].Data;
        return p.Select((v, j) => v * sc[j] + mu[j]).ToArray();
    }

    /// <summary>Dense networks only: convolutions have their own reference (Engine/Kernels/ConvolutionReference, tested in Engine/).</summary>
    private double[] Mlp(IReadOnlyList<Layer> layers, double[] x)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            if (i > 0) x = x.Select(Activate).ToArray();
            var layer = layers[i] as DenseLayer ?? throw new NotSupportedException("the double-precision reference covers dense layers");
            var w = _state[layer.Weight].Data;
            var b = _state[layer.Bias].Data;
            var y = new double[layer.Out];
            for (int o = 0; o < y.Length; o++)
            {
                double sum = b[o];
                for (int j = 0; j < layer.In; j++) sum += (double)w[o * layer.In + j] * x[j];
                y[o] = sum;
            }
            x = y;
        }
        return x;
    }

    private double Activate(double v) => _spec.Options.Activation switch
    {
        Activation.Relu => Math.Max(v, 0),
        Activation.LeakyRelu => v > 0 ? v : 0.01 * v,
        Activation.Elu => v > 0 ? v : Math.Exp(v) - 1,
        Activation.Tanh => Math.Tanh(v),
        _ => 1 / (1 + Math.Exp(-v)),
    };

    private static double Softplus(double z) => Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
}
