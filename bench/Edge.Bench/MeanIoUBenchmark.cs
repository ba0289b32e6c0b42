using System.Text.Json;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Preprocessing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Bench;

/// <summary>
/// mIoU of a model through the agent's own stages (OpenCV decode of the PNG, preprocessing, ONNX Runtime, the
/// postprocessor's label map) on a held-out set written by <c>python -m segman.evalset</c>. Same protocol as
/// <c>python -m segman.evaluate</c>: when the manifest says <c>"output": {"upsample": "bilinear"}</c> the logits are resized
/// bilinearly (<c>align_corners=False</c>) to the model input size before the argmax, otherwise the argmax is taken at the
/// model's output size; that label map is then nearest-upsampled to the label size (pixel (y, x) takes
/// (floor((y + 0.5)·h / H), floor((x + 0.5)·w / W))), one confusion matrix over the whole set, IoU averaged over the
/// classes present in the labels or the predictions, label 255 ignored.
/// </summary>
internal static class MeanIoUBenchmark
{
    public static int Run(BenchOptions options)
    {
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(options.Data, "index.json")));
        using var segmenter = new OnnxSegmenter(new InferenceOptions { Path = options.Model });
        var classes = segmenter.Manifest.Classes.Count;
        var confusion = new long[classes, classes];
        using var preprocessor = new Preprocessor(segmenter.Manifest);
        using var postprocessor = new Postprocessor(segmenter.Manifest, new MaskOptions { EveryNFrames = 0, Overlay = new OverlayOptions { Enabled = false } });
        using var frame = new FrameContext("miou");
        var count = 0;
        foreach (var entry in index.RootElement.GetProperty("frames").EnumerateArray())
        {
            using (var image = Cv2.ImRead(Path.Combine(options.Data, entry.GetProperty("image").GetString()!), ImreadModes.Color))
            {
                image.CopyTo(frame.Image);
            }

            preprocessor.Process(frame);
            segmenter.Run(frame);
            postprocessor.Process(frame);
            using var truth = Cv2.ImRead(Path.Combine(options.Data, entry.GetProperty("labels").GetString()!), ImreadModes.Unchanged);
            Accumulate(confusion, frame.Labels, truth);
            count++;
        }

        var (mean, perClass) = Score(confusion);
        Console.WriteLine($"model {Path.GetFileName(options.Model)} ({segmenter.Manifest.Precision}) on {count} frames of {options.Data}: mIoU {mean * 100:F2}");
        for (var c = 0; c < classes; c++)
        {
            if (!double.IsNaN(perClass[c]))
            {
                Console.WriteLine($"  {segmenter.Manifest.Classes[c].Name,-14} {perClass[c] * 100,6:F2}");
            }
        }

        return 0;
    }

    private static void Accumulate(long[,] confusion, LabelMap predicted, Mat truth)
    {
        var classes = confusion.GetLength(0);
        var (height, width) = (truth.Height, truth.Width);
        var labels = predicted.Data;
        for (var y = 0; y < height; y++)
        {
            var py = (int)((y + 0.5) * predicted.Height / height);
            for (var x = 0; x < width; x++)
            {
                var t = truth.At<byte>(y, x);
                if (t >= classes)
                {
                    continue;
                }

                var px = (int)((x + 0.5) * predicted.Width / width);
                var p = labels[(py * predicted.Width) + px];
                if (p < classes)
                {
                    confusion[t, p]++;
                }
            }
        }
    }

    private static (double Mean, double[] PerClass) Score(long[,] confusion)
    {
        var classes = confusion.GetLength(0);
        var perClass = new double[classes];
        var sum = 0.0;
        var present = 0;
        for (var c = 0; c < classes; c++)
        {
            long truePositive = confusion[c, c], truth = 0, predicted = 0;
            for (var k = 0; k < classes; k++)
            {
                truth += confusion[c, k];
                predicted += confusion[k, c];
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
