namespace SegMan.Edge.Pipeline.Tests.Postprocessing;

/// <summary>
/// The straightforward form of bilinear resizing (<c>align_corners=False</c>) followed by the argmax, in double
/// precision: every class is interpolated at every output pixel, then the classes are compared.
/// </summary>
internal static class BilinearReference
{
    /// <summary>The labels, and per pixel the gap between the best and the second-best class.</summary>
    public static (byte[] Labels, double[] Gaps) ArgMax(float[] logits, int classes, int height, int width, int outputHeight, int outputWidth)
    {
        var labels = new byte[outputHeight * outputWidth];
        var gaps = new double[labels.Length];
        var values = new double[classes];
        for (var y = 0; y < outputHeight; y++)
        {
            var (y0, y1, wy) = Source(y, height, outputHeight);
            for (var x = 0; x < outputWidth; x++)
            {
                var (x0, x1, wx) = Source(x, width, outputWidth);
                for (var c = 0; c < classes; c++)
                {
                    double At(int row, int column) => logits[(((c * height) + row) * width) + column];
                    values[c] = ((1 - wy) * (((1 - wx) * At(y0, x0)) + (wx * At(y0, x1))))
                        + (wy * (((1 - wx) * At(y1, x0)) + (wx * At(y1, x1))));
                }

                var best = 0;
                for (var c = 1; c < classes; c++)
                {
                    if (values[c] > values[best])
                    {
                        best = c;
                    }
                }

                var second = double.NegativeInfinity;
                for (var c = 0; c < classes; c++)
                {
                    if (c != best)
                    {
                        second = Math.Max(second, values[c]);
                    }
                }

                labels[(y * outputWidth) + x] = (byte)best;
                gaps[(y * outputWidth) + x] = values[best] - second;
            }
        }

        return (labels, gaps);
    }

    private static (int Lower, int Upper, double Weight) Source(int target, int sourceSize, int targetSize)
    {
        var position = Math.Max(0, ((target + 0.5) * sourceSize / targetSize) - 0.5);
        var lower = Math.Min((int)Math.Floor(position), sourceSize - 1);
        return (lower, Math.Min(lower + 1, sourceSize - 1), position - lower);
    }
}
