namespace SegMan.Edge.Kernels;

/// <summary>
/// Float64 reference of <c>SelectiveScan2D</c>, written as literally as OPS.md states the math: for every batch,
/// direction and channel, the recurrence runs over the direction's scan order, and the four directions are summed
/// back onto the map. Slow by design; used to check the native kernels.
/// </summary>
public static class SelectiveScan2DReference
{
    /// <summary>Computes y (B, D, H, W).</summary>
    public static double[] Run(
        SelectiveScan2DShape shape,
        ReadOnlySpan<double> u,
        ReadOnlySpan<double> delta,
        ReadOnlySpan<double> b,
        ReadOnlySpan<double> c,
        ReadOnlySpan<double> a,
        ReadOnlySpan<double> d,
        ReadOnlySpan<double> deltaBias,
        bool deltaSoftplus = true)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        int channels = shape.Channels, n = shape.State, length = shape.Length;
        const int K = SelectiveScan2DShape.Directions;
        Require(u.Length == shape.MapSize, "u", u.Length, shape.MapSize);
        Require(delta.Length == shape.DeltaSize, "delta", delta.Length, shape.DeltaSize);
        Require(b.Length == shape.ProjectionSize, "B", b.Length, shape.ProjectionSize);
        Require(c.Length == shape.ProjectionSize, "C", c.Length, shape.ProjectionSize);
        Require(a.Length == K * channels * n, "A", a.Length, K * channels * n);
        Require(d.Length == K * channels, "D", d.Length, K * channels);
        Require(deltaBias.Length == K * channels, "delta_bias", deltaBias.Length, K * channels);

        var y = new double[shape.MapSize];
        var h = new double[n];
        for (var batch = 0; batch < shape.Batch; batch++)
        {
            for (var k = 0; k < K; k++)
            {
                for (var ch = 0; ch < channels; ch++)
                {
                    var row = (k * channels) + ch;
                    Array.Clear(h);
                    for (var t = 0; t < length; t++)
                    {
                        var p = ScanPosition(k, t, shape.Height, shape.Width);
                        var dt = delta[((((batch * K) + k) * channels) + ch) * length + p] + deltaBias[row];
                        if (deltaSoftplus)
                        {
                            dt = dt <= 20.0 ? Math.Log(1.0 + Math.Exp(dt)) : dt;
                        }

                        var ut = u[(((batch * channels) + ch) * length) + p];
                        var yk = d[row] * ut;
                        for (var s = 0; s < n; s++)
                        {
                            var index = ((((batch * K) + k) * n) + s) * length + p;
                            h[s] = (Math.Exp(dt * a[(row * n) + s]) * h[s]) + (dt * b[index] * ut);
                            yk += c[index] * h[s];
                        }

                        y[(((batch * channels) + ch) * length) + p] += yk;
                    }
                }
            }
        }

        return y;
    }

    /// <summary>
    /// The map position (row-major index) that direction <paramref name="k"/> visits at step <paramref name="t"/>:
    /// row-major, column-major, and both reversed.
    /// </summary>
    public static int ScanPosition(int k, int t, int height, int width)
    {
        var length = height * width;
        var s = k >= 2 ? length - 1 - t : t;
        return (k % 2) == 0 ? s : ((s % height) * width) + (s / height);
    }

    private static void Require(bool ok, string name, int got, int want)
    {
        if (!ok)
        {
            throw new ArgumentException($"SelectiveScan2D: input '{name}' has {got} elements, expected {want}.", name);
        }
    }
}
