using OpenCvSharp;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent.Tests.Http;

/// <summary>Small processed frames: a grey image, a label map whose left half is class 0 and right half class 1.</summary>
internal static class TestFrames
{
    public static readonly ClassInfo[] Classes = [new(0, "road", [128, 64, 128]), new(1, "sky", [70, 130, 180])];

    public static FrameContext Create(string cameraId, int width = 64, int height = 32)
    {
        var frame = new FrameContext(cameraId);
        frame.Image.Create(height, width, MatType.CV_8UC3);
        frame.Image.SetTo(new Scalar(100, 100, 100));
        frame.Labels.Resize(width / 8, height / 8);
        var labels = frame.Labels.Data;
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = (byte)(i % frame.Labels.Width < frame.Labels.Width / 2 ? 0 : 1);
        }

        frame.ClassFractions = [0.5f, 0.5f];
        frame.Timings.Capture = TimeSpan.FromMilliseconds(3);
        frame.Timings.Preprocess = TimeSpan.FromMilliseconds(1);
        frame.Timings.Inference = TimeSpan.FromMilliseconds(20);
        frame.Timings.Postprocess = TimeSpan.FromMilliseconds(2);
        return frame;
    }
}
