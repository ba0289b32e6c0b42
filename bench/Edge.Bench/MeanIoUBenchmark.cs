using SegMan.Edge.Pipeline.Evaluation;
using SegMan.Edge.Pipeline.Inference;

namespace SegMan.Edge.Bench;

/// <summary>
/// mIoU of a model through the agent's own stages on a held-out set written by <c>python -m segman.evalset</c>
/// (<see cref="HeldOutSetScorer"/>). Same protocol as <c>python -m segman.evaluate</c>: when the manifest says
/// <c>"output": {"upsample": "bilinear"}</c> the logits are resized bilinearly (<c>align_corners=False</c>) to the model
/// input size before the argmax, otherwise the argmax is taken at the model's output size; that label map is then
/// nearest-upsampled to the label size, one confusion matrix over the whole set, IoU averaged over the classes present
/// in the labels or the predictions, label 255 ignored.
/// </summary>
internal static class MeanIoUBenchmark
{
    public static int Run(BenchOptions options)
    {
        using var segmenter = new OnnxSegmenter(new InferenceOptions { Path = options.Model });
        var score = HeldOutSetScorer.Score(segmenter, options.Data);
        Console.WriteLine(
            $"model {Path.GetFileName(options.Model)} ({segmenter.Manifest.Precision}) on {score.Frames} frames of {options.Data}: mIoU {score.MeanIoU * 100:F2}");
        for (var c = 0; c < score.PerClass.Count; c++)
        {
            if (!double.IsNaN(score.PerClass[c]))
            {
                Console.WriteLine($"  {segmenter.Manifest.Classes[c].Name,-14} {score.PerClass[c] * 100,6:F2}");
            }
        }

        return 0;
    }
}
