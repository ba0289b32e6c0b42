using OpenCvSharp;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Preprocessing;
using SegMan.Edge.Pipeline.Running;
using SegMan.Edge.Pipeline.Tests.Models;

namespace SegMan.Edge.Pipeline.Tests.Inference;

/// <summary>Preprocessor → ONNX Runtime → postprocessor on real frames and real models.</summary>
public sealed class ProcessingChainTests
{
    [Theory]
    [InlineData("logits", 8, 12)]
    [InlineData("logits", 32, 48)]
    [InlineData("logits-fp16", 32, 48)]
    [InlineData("labels", 32, 48)]
    [InlineData("labels-uint8", 8, 12)]
    public void A_frame_of_coloured_blocks_comes_out_as_their_classes(string model, int frameHeight, int frameWidth)
    {
        const int OutHeight = TestModels.Height / TestModels.Stride;
        const int OutWidth = TestModels.Width / TestModels.Stride;
        var colours = new (byte R, byte G, byte B)[] { (250, 10, 10), (10, 240, 20), (5, 5, 250), (10, 10, 10), (200, 180, 20), (30, 90, 200) };
        using var segmenter = OnnxSegmenterTests.Open(model);
        using var preprocessor = new Preprocessor(segmenter.Manifest);
        using var postprocessor = new Postprocessor(segmenter.Manifest, new MaskOptions { EveryNFrames = 1 });
        using var frame = new FrameContext("cam");
        using (var image = new Mat(frameHeight, frameWidth, MatType.CV_8UC3))
        {
            // One uniform block per model output pixel.
            var block = frameHeight / OutHeight;
            for (var y = 0; y < frameHeight; y++)
            {
                for (var x = 0; x < frameWidth; x++)
                {
                    var (r, g, b) = colours[((y / block) + (x / block)) % colours.Length];
                    image.Set(y, x, new Vec3b(b, g, r));
                }
            }

            image.CopyTo(frame.Image);
        }

        preprocessor.Process(frame);
        segmenter.Run(frame);
        postprocessor.Process(frame);

        Assert.Equal((OutWidth, OutHeight), (frame.Labels.Width, frame.Labels.Height));
        for (var y = 0; y < OutHeight; y++)
        {
            for (var x = 0; x < OutWidth; x++)
            {
                var (r, g, b) = colours[(y + x) % colours.Length];
                Assert.Equal(TestModels.ExpectedClass(r, g, b), frame.Labels.Data[(y * OutWidth) + x]);
            }
        }

        Assert.Equal(1.0, frame.ClassFractions.Sum(), 5);
        using var mask = Cv2.ImDecode(frame.Mask.Buffer.WrittenSpan.ToArray(), ImreadModes.Unchanged);
        Assert.Equal(new Size(OutWidth, OutHeight), mask.Size());
    }

    [Theory]
    [InlineData(MaskFormat.Png)]
    [InlineData(MaskFormat.Rle)]
    public void The_steady_state_allocates_less_than_a_kibibyte_per_frame(MaskFormat format)
    {
        // The baseline model's size: a 720p frame into 512x1024, 19-class logits at stride 8, a mask every 5th frame.
        using var segmenter = OnnxSegmenterTests.Open("wide");
        using var preprocessor = new Preprocessor(segmenter.Manifest);
        using var postprocessor = new Postprocessor(segmenter.Manifest, new MaskOptions { Format = format, EveryNFrames = 5 });
        using var frame = new FrameContext("cam");
        var pixels = new byte[720 * 1280 * 3];
        new Random(1).NextBytes(pixels);
        using (var image = Mat.FromPixelData(720, 1280, MatType.CV_8UC3, pixels))
        {
            image.CopyTo(frame.Image);
        }

        void RunFrame(long sequence)
        {
            frame.Reset();
            frame.Sequence = sequence;
            preprocessor.Process(frame);
            segmenter.Run(frame);
            postprocessor.Process(frame);
        }

        for (var i = 0; i < 10; i++)
        {
            RunFrame(i);
        }

        const int Frames = 50;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Frames; i++)
        {
            RunFrame(10 + i);
        }

        var perFrame = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Frames;

        Assert.True(perFrame < 1024, $"{perFrame:F0} bytes per frame");
        Assert.Equal([1L, 19, 64, 128], frame.Output!.Shape);
        Assert.Equal(1.0, frame.ClassFractions.Sum(), 4);
    }
}
