using MlNetVae.Engine;
using MlNetVae.Engine.Autodiff;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Autodiff;

/// <summary>
/// Checks an expression's analytic gradient against central finite differences. The scalar checked is
/// sum(w * f(inputs)) with fixed random weights w, so every element of every input's gradient matters.
/// </summary>
internal static class GradCheck
{
    /// <param name="f">Builds the expression on a tape from the inputs (as parameters, so gradients flow to all).</param>
    /// <param name="inputs">Input values; perturbed one element at a time.</param>
    /// <param name="eps">Finite-difference step.</param>
    /// <param name="tolerance">Allowed |analytic - numeric| / max(1, |numeric|).</param>
    public static void Check(Func<Tape, Parameter[], Node> f, Tensor[] inputs, double eps = 1e-2, double tolerance = 2e-3)
    {
        var parameters = inputs.Select((t, i) => new Parameter($"input{i}", t)).ToArray();
        var tape = new Tape(new Compute(1));
        var output = f(tape, parameters);
        var rng = new System.Random(12345);
        var w = new float[output.Value.Length];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() * 2 - 1);
        tape.Backward(output, w);

        for (int p = 0; p < parameters.Length; p++)
        {
            var x = parameters[p].Value.Span;
            var analytic = parameters[p].Grad!.Span.ToArray();
            for (int i = 0; i < x.Length; i++)
            {
                float saved = x[i];
                x[i] = (float)(saved + eps);
                double plus = Weighted(tape, f, parameters, w);
                x[i] = (float)(saved - eps);
                double minus = Weighted(tape, f, parameters, w);
                x[i] = saved;
                double numeric = (plus - minus) / (2 * eps);
                double error = Math.Abs(analytic[i] - numeric) / Math.Max(1, Math.Abs(numeric));
                Assert.That(error, Is.LessThanOrEqualTo(tolerance),
                    $"input {p} element {i}: analytic {analytic[i]:G9} vs numeric {numeric:G9}");
            }
        }
    }

    /// <summary>Random values in [lo, hi] with a fixed seed.</summary>
    public static Tensor Random(int seed, float lo, float hi, params int[] shape)
    {
        var t = new Tensor(shape);
        var rng = new System.Random(seed);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = lo + (float)rng.NextDouble() * (hi - lo);
        return t;
    }

    private static double Weighted(Tape tape, Func<Tape, Parameter[], Node> f, Parameter[] parameters, float[] w)
    {
        tape.Reset();
        var y = f(tape, parameters).Value.Span;
        double sum = 0;
        for (int i = 0; i < y.Length; i++) sum += (double)w[i] * y[i];
        return sum;
    }
}
