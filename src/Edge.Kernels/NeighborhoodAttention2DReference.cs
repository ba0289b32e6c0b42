namespace SegMan.Edge.Kernels;

/// <summary>
/// Float64 reference of <c>NeighborhoodAttention2D</c> (NATTEN 0.17 semantics, OPS.md): every query attends to the
/// K×K keys of its window, which is dilated and shifted inwards at the borders; logits plus optional relative
/// position bias go through a max-subtracted softmax. Slow by design; used to check the native kernels.
/// </summary>
public static class NeighborhoodAttention2DReference
{
    /// <summary>Computes out (B, heads, H, W, dim). <paramref name="rpb"/> may be empty (no bias).</summary>
    public static double[] Run(
        NeighborhoodAttention2DShape shape,
        ReadOnlySpan<double> q,
        ReadOnlySpan<double> k,
        ReadOnlySpan<double> v,
        ReadOnlySpan<double> rpb)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        Require(q.Length == shape.Size && k.Length == shape.Size && v.Length == shape.Size, "q/k/v", shape.Size);
        Require(rpb.IsEmpty || rpb.Length == shape.BiasSize, "rpb", shape.BiasSize);
        int height = shape.Height, width = shape.Width, dim = shape.Dim, kernel = shape.KernelSize,
            dilation = shape.Dilation, side = shape.BiasSide;
        var output = new double[shape.Size];
        var logits = new double[kernel * kernel];
        for (var plane = 0; plane < shape.Batch * shape.Heads; plane++)
        {
            var head = plane % shape.Heads;
            var planeBase = plane * height * width * dim;
            for (var i = 0; i < height; i++)
            {
                var rowStart = WindowStart(i, height, kernel, dilation);
                for (var j = 0; j < width; j++)
                {
                    var colStart = WindowStart(j, width, kernel, dilation);
                    var query = planeBase + (((i * width) + j) * dim);
                    var max = double.NegativeInfinity;
                    for (var mi = 0; mi < kernel; mi++)
                    {
                        for (var mj = 0; mj < kernel; mj++)
                        {
                            int ki = rowStart + (mi * dilation), kj = colStart + (mj * dilation);
                            var key = planeBase + (((ki * width) + kj) * dim);
                            var logit = 0.0;
                            for (var ch = 0; ch < dim; ch++)
                            {
                                logit += q[query + ch] * k[key + ch];
                            }

                            if (!rpb.IsEmpty)
                            {
                                int bi = ((ki - i) / dilation) + kernel - 1, bj = ((kj - j) / dilation) + kernel - 1;
                                logit += rpb[(((head * side) + bi) * side) + bj];
                            }

                            logits[(mi * kernel) + mj] = logit;
                            max = Math.Max(max, logit);
                        }
                    }

                    var sum = 0.0;
                    for (var m = 0; m < logits.Length; m++)
                    {
                        logits[m] = Math.Exp(logits[m] - max);
                        sum += logits[m];
                    }

                    for (var mi = 0; mi < kernel; mi++)
                    {
                        for (var mj = 0; mj < kernel; mj++)
                        {
                            int ki = rowStart + (mi * dilation), kj = colStart + (mj * dilation);
                            var value = planeBase + (((ki * width) + kj) * dim);
                            var weight = logits[(mi * kernel) + mj] / sum;
                            for (var ch = 0; ch < dim; ch++)
                            {
                                output[query + ch] += weight * v[value + ch];
                            }
                        }
                    }
                }
            }
        }

        return output;
    }

    /// <summary>
    /// First key index of query <paramref name="i"/>'s window along an axis of length <paramref name="size"/>
    /// (NATTEN 0.17 <c>get_window_start</c>). Every query sees exactly K keys, <paramref name="dilation"/> apart.
    /// </summary>
    public static int WindowStart(int i, int size, int kernelSize, int dilation)
    {
        var radius = kernelSize / 2;
        if (dilation == 1)
        {
            return Math.Clamp(i - radius, 0, size - kernelSize);
        }

        if (i - (radius * dilation) < 0)
        {
            return i % dilation;
        }

        if (i + (radius * dilation) >= size)
        {
            var a = size / dilation * dilation;
            var b = size - a;
            return (i % dilation) < b
                ? size - b + (i % dilation) - (2 * radius * dilation)
                : a + (i % dilation) - (kernelSize * dilation);
        }

        return i - (radius * dilation);
    }

    private static void Require(bool ok, string name, int want)
    {
        if (!ok)
        {
            throw new ArgumentException($"NeighborhoodAttention2D: input '{name}' must have {want} elements.", name);
        }
    }
}
