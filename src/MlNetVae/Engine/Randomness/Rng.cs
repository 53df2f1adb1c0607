using System.Numerics.Tensors;

namespace MlNetVae.Engine.Randomness;

/// <summary>
/// The engine's one seeded random generator (xoshiro256**): uniform and standard-normal floats in bulk.
/// The same seed gives the same sequence on every run and machine; the generator is not thread-safe
/// and is meant to be owned by one training loop.
/// </summary>
internal sealed class Rng
{
    // Box-Muller works on chunks this large on the stack, so bulk normals allocate nothing.
    private const int Chunk = 128;
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator whose state is expanded from <paramref name="seed"/> by SplitMix64.</summary>
    public Rng(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias (Lemire's method).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        ulong bound = (ulong)maxExclusive;
        UInt128 product = (UInt128)NextUInt64() * bound;
        if ((ulong)product < bound)
        {
            ulong threshold = (0 - bound) % bound;
            while ((ulong)product < threshold) product = (UInt128)NextUInt64() * bound;
        }
        return (int)(product >> 64);
    }

    /// <summary>A uniform float in [0, 1) with 24 random bits.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Fills <paramref name="destination"/> with uniform floats in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public void FillUniform(Span<float> destination, float low = 0f, float high = 1f)
    {
        FillUnit(destination);
        TensorPrimitives.Multiply(destination, high - low, destination);
        TensorPrimitives.Add(destination, low, destination);
    }

    /// <summary>Fills <paramref name="destination"/> with independent N(mean, std^2) floats (Box-Muller).</summary>
    public void FillNormal(Span<float> destination, float mean = 0f, float std = 1f)
    {
        Span<float> u1 = stackalloc float[Chunk], u2 = stackalloc float[Chunk];
        Span<float> sin = stackalloc float[Chunk], cos = stackalloc float[Chunk];
        while (destination.Length > 0)
        {
            int pairs = Math.Min(Chunk, (destination.Length + 1) / 2);
            Span<float> r = u1[..pairs], theta = u2[..pairs];
            FillUnit(r);
            FillUnit(theta);
            // u1 in (0, 1] keeps log finite: 1 - [0, 1) never reaches 0.
            TensorPrimitives.Subtract(1f, r, r);
            TensorPrimitives.Log(r, r);
            TensorPrimitives.Multiply(r, -2f, r);
            TensorPrimitives.Sqrt(r, r);
            TensorPrimitives.Multiply(theta, 2f * MathF.PI, theta);
            TensorPrimitives.SinCos(theta, sin[..pairs], cos[..pairs]);
            int n = Math.Min(destination.Length, 2 * pairs);
            int half = Math.Min(pairs, n);
            TensorPrimitives.Multiply(r[..half], cos[..half], destination[..half]);
            TensorPrimitives.Multiply(r[..(n - half)], sin[..(n - half)], destination[half..n]);
            TensorPrimitives.Multiply(destination[..n], std, destination[..n]);
            TensorPrimitives.Add(destination[..n], mean, destination[..n]);
            destination = destination[n..];
        }
    }

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher-Yates).</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private void FillUnit(Span<float> destination)
    {
        // Two 24-bit floats from each 64-bit draw: half the generator calls of one float per draw.
        int i = 0;
        for (; i + 1 < destination.Length; i += 2)
        {
            ulong bits = NextUInt64();
            destination[i] = (bits >> 40) * (1f / (1 << 24));
            destination[i + 1] = ((bits >> 8) & 0xFFFFFF) * (1f / (1 << 24));
        }
        if (i < destination.Length) destination[i] = NextFloat();
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
