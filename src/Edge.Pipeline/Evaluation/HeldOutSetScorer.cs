using System.Text.Json;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Preprocessing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Evaluation;

/// <summary>The mIoU of a model and how many frames it was measured on.</summary>
public sealed record HeldOutScore(double MeanIoU, IReadOnlyList<double> PerClass, int Frames);

/// <summary>
/// Scores a model through the agent's own stages (OpenCV decode of the PNG, preprocessing, ONNX Runtime, the
/// postprocessor's label map) on a held-out set written by <c>python -m segman.evalset</c> (an <c>index.json</c> listing
/// image and label PNGs). Logits are resized as the manifest says before the argmax, as the agent does for its masks.
/// </summary>
public static class HeldOutSetScorer
{
    public static HeldOutScore Score(OnnxSegmenter segmenter, string folder)
    {
        ArgumentNullException.ThrowIfNull(segmenter);
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "index.json")));
        var confusion = new ConfusionMatrix(segmenter.Manifest.Classes.Count);
        using var preprocessor = new Preprocessor(segmenter.Manifest);
        using var postprocessor = new Postprocessor(
            segmenter.Manifest, new MaskOptions { EveryNFrames = 0, Overlay = new OverlayOptions { Enabled = false } });
        using var frame = new FrameContext("score");
        var count = 0;
        foreach (var entry in index.RootElement.GetProperty("frames").EnumerateArray())
        {
            using (var image = Read(folder, entry.GetProperty("image").GetString(), ImreadModes.Color))
            {
                image.CopyTo(frame.Image);
            }

            preprocessor.Process(frame);
            segmenter.Run(frame);
            postprocessor.Process(frame);
            using var truth = Read(folder, entry.GetProperty("labels").GetString(), ImreadModes.Unchanged);
            if (truth.Type() != MatType.CV_8UC1 || !truth.IsContinuous())
            {
                throw new InvalidDataException($"{folder}: labels of {entry} are not a single-channel 8-bit PNG.");
            }

            unsafe
            {
                var labels = new ReadOnlySpan<byte>(truth.DataPointer, truth.Height * truth.Width);
                confusion.Add(frame.Labels, labels, truth.Height, truth.Width);
            }

            count++;
        }

        var (mean, perClass) = confusion.MeanIoU();
        return new HeldOutScore(mean, perClass, count);
    }

    private static Mat Read(string folder, string? name, ImreadModes mode)
    {
        var path = Path.Combine(folder, name ?? throw new InvalidDataException($"{folder}/index.json lists a frame without a file name."));
        var image = Cv2.ImRead(path, mode);
        if (image.Empty())
        {
            image.Dispose();
            throw new FileNotFoundException($"{path} is missing or not an image OpenCV can read.", path);
        }

        return image;
    }
}
