using Microsoft.ML.OnnxRuntime;

namespace SegMan.Edge.Kernels.Tests;

/// <summary>Fresh random inputs (the seed is part of every failure message), fp16 rounding and error checks.</summary>
internal sealed class TestData
{
    private readonly Random _random;

    public TestData()
    {
        Seed = Random.Shared.Next();
        _random = new Random(Seed);
    }

    public int Seed { get; }

    public float[] Normal(int count, double scale = 1.0)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            // Box-Muller; good enough for test data.
            var u1 = 1.0 - _random.NextDouble();
            var u2 = _random.NextDouble();
            values[i] = (float)(scale * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }

        return values;
    }

    public float[] Uniform(int count, double low, double high)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)(low + ((high - low) * _random.NextDouble()));
        }

        return values;
    }

    /// <summary>Rounds every value through fp16, as an fp16 model would feed it.</summary>
    public static float[] RoundToHalf(float[] values) => values.Select(v => (float)(Half)v).ToArray();

    public static Float16[] ToFloat16(float[] values) =>
        values.Select(v => (Float16)v).ToArray();

    public static float FromFloat16(Float16 value) => (float)value;

    public static double[] ToDouble(float[] values) => values.Select(v => (double)v).ToArray();

    /// <summary>Asserts max |got − want| ≤ tolerance·(1 + max |want|) and that every element is finite.</summary>
    public void AssertClose(ReadOnlySpan<float> got, double[] want, double tolerance)
    {
        Assert.Equal(want.Length, got.Length);
        double maxRef = 0, maxError = 0;
        var worst = 0;
        for (var i = 0; i < got.Length; i++)
        {
            Assert.True(float.IsFinite(got[i]), $"element {i} is {got[i]} (seed {Seed})");
            maxRef = Math.Max(maxRef, Math.Abs(want[i]));
            var error = Math.Abs(got[i] - want[i]);
            if (error > maxError)
            {
                maxError = error;
                worst = i;
            }
        }

        var limit = tolerance * (1 + maxRef);
        Assert.True(
            maxError <= limit,
            $"max abs error {maxError} at {worst} (got {got[worst]}, want {want[worst]}) exceeds {limit} (seed {Seed})");
    }
}
