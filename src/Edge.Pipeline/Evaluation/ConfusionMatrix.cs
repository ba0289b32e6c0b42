using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Evaluation;

/// <summary>
/// Pixel counts of (true class, predicted class) over a set of frames, and the mean IoU they give, with the protocol of
/// <c>python -m segman.evaluate</c>: predictions nearest-resized by pixel centres to the label size, labels outside the
/// classes (255) ignored, IoU averaged over the classes present in the labels or the predictions.
/// </summary>
public sealed class ConfusionMatrix(int classes)
{
    private readonly long[,] _counts = new long[classes, classes];

    public int Classes { get; } = classes;

    /// <summary>Adds one frame: <paramref name="truth"/> is <paramref name="height"/> rows of <paramref name="width"/> labels.</summary>
    public void Add(LabelMap predicted, ReadOnlySpan<byte> truth, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentOutOfRangeException.ThrowIfLessThan(truth.Length, height * width);
        var labels = predicted.Data;
        for (var y = 0; y < height; y++)
        {
            var py = (int)((y + 0.5) * predicted.Height / height);
            for (var x = 0; x < width; x++)
            {
                var t = truth[(y * width) + x];
                if (t >= Classes)
                {
                    continue;
                }

                var px = (int)((x + 0.5) * predicted.Width / width);
                var p = labels[(py * predicted.Width) + px];
                if (p < Classes)
                {
                    _counts[t, p]++;
                }
            }
        }
    }

    /// <summary>IoU of each class (NaN where the class is in neither labels nor predictions) and their mean.</summary>
    public (double Mean, double[] PerClass) MeanIoU()
    {
        var perClass = new double[Classes];
        var sum = 0.0;
        var present = 0;
        for (var c = 0; c < Classes; c++)
        {
            long truePositive = _counts[c, c], truth = 0, predicted = 0;
            for (var k = 0; k < Classes; k++)
            {
                truth += _counts[c, k];
                predicted += _counts[k, c];
            }

            var union = truth + predicted - truePositive;
            perClass[c] = union == 0 ? double.NaN : (double)truePositive / union;
            if (union > 0)
            {
                sum += perClass[c];
                present++;
            }
        }

        return (present == 0 ? 0 : sum / present, perClass);
    }
}
