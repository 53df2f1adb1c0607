using MlNetVae.Engine;
using NUnit.Framework;

namespace MlNetVae.Tests.Engine.Autodiff;

/// <summary>Compares forward values with a straightforward double-precision computation.</summary>
internal static class Expect
{
    /// <summary>Asserts the shape and every |actual - expected| &lt;= abs + rel * |expected| (equal infinities pass).</summary>
    public static void Values(Tensor actual, int[] shape, double[] expected, double rel = 1e-5, double abs = 1e-6)
    {
        Assert.That(actual.Shape.ToArray(), Is.EqualTo(shape), "shape");
        var a = actual.Span;
        Assert.That(a.Length, Is.EqualTo(expected.Length), "length");
        for (int i = 0; i < a.Length; i++)
        {
            if (double.IsInfinity(expected[i]) && a[i] == expected[i]) continue;
            Assert.That(float.IsFinite(a[i]), Is.True, $"element {i}: {a[i]} is not finite (expected {expected[i]:G9})");
            Assert.That(Math.Abs(a[i] - expected[i]), Is.LessThanOrEqualTo(abs + rel * Math.Abs(expected[i])),
                $"element {i}: {a[i]:G9} vs expected {expected[i]:G9}");
        }
    }

    /// <summary>f applied in double to every element of <paramref name="x"/>.</summary>
    public static double[] Map(Tensor x, Func<double, double> f)
    {
        var s = x.Span;
        var y = new double[s.Length];
        for (int i = 0; i < y.Length; i++) y[i] = f(s[i]);
        return y;
    }

    /// <summary>f applied in double to the elements of <paramref name="a"/> and <paramref name="b"/> pairwise.</summary>
    public static double[] Map(Tensor a, Tensor b, Func<double, double, double> f)
    {
        var y = new double[a.Length];
        for (int i = 0; i < y.Length; i++) y[i] = f(a.Span[i], b.Span[i]);
        return y;
    }

    /// <summary>log(1 + x) in double, with the series for small x (Math.Log(1 + x) loses digits there too).</summary>
    public static double Log1p(double x) => Math.Abs(x) < 1e-4 ? x - x * x / 2 + x * x * x / 3 - x * x * x * x / 4 : Math.Log(1 + x);

    /// <summary>A tensor of the given values and shape.</summary>
    public static Tensor Tensor(float[] values, params int[] shape) => MlNetVae.Engine.Tensor.FromArray(values, shape);
}
