using System.Text.Json.Nodes;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Preprocessing;
using SegMan.Edge.Pipeline.Running;
using SegMan.Edge.Pipeline.Tests.Models;

namespace SegMan.Edge.Pipeline.Tests.Inference;

/// <summary>
/// Real ONNX Runtime sessions over the test logits models (a 1x1 convolution at stride 2 on 8x12 inputs) given a
/// manifest that slides them over 16x28 frames. Every output cell depends on one pixel only, so every window that
/// covers a cell computes the same logits for it, and the slid output must equal the convolution over the whole frame.
/// </summary>
public sealed class SlidingInferenceTests : IDisposable
{
    private const int FrameHeight = 16;
    private const int FrameWidth = 28;
    private readonly List<TemporaryFolder> _folders = [];

    [Fact]
    public void A_sliding_model_gives_the_whole_frame_the_logits_of_its_windows()
    {
        using var segmenter = Open("logits");
        using var frame = new FrameContext("cam") { Input = new TensorBuffer(TensorElementKind.Float32, 1, 3, FrameHeight, FrameWidth) };
        var input = frame.Input.AsFloat32();
        var random = new Random(4);
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = random.NextSingle();
        }

        segmenter.Run(frame);

        Assert.Equal(9, segmenter.WindowsPerFrame);
        Assert.Equal([1L, 4, FrameHeight / 2, FrameWidth / 2], segmenter.OutputShape);
        Assert.Equal([1L, 4, FrameHeight / 2, FrameWidth / 2], frame.Output!.Shape);
        var logits = frame.Output.AsFloat32();
        const int Plane = FrameHeight * FrameWidth;
        const int Cells = FrameHeight * FrameWidth / 4;
        for (var y = 0; y < FrameHeight / 2; y++)
        {
            for (var x = 0; x < FrameWidth / 2; x++)
            {
                var pixel = (2 * y * FrameWidth) + (2 * x);
                var (r, g, b) = (input[pixel], input[Plane + pixel], input[(2 * Plane) + pixel]);
                var cell = (y * FrameWidth / 2) + x;
                Assert.Equal(r, logits[cell], 5);
                Assert.Equal(g, logits[Cells + cell], 5);
                Assert.Equal(b, logits[(2 * Cells) + cell], 5);
                Assert.Equal(0.5f - (r + g + b), logits[(3 * Cells) + cell], 5);
            }
        }
    }

    [Fact]
    public void A_float16_model_slides_into_float32_logits()
    {
        using var segmenter = Open("logits-fp16");
        using var frame = new FrameContext("cam") { Input = new TensorBuffer(TensorElementKind.Float16, 1, 3, FrameHeight, FrameWidth) };
        var input = frame.Input.AsFloat16();
        var random = new Random(5);
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (Half)random.NextSingle();
        }

        segmenter.Run(frame);

        Assert.Equal(TensorElementKind.Float32, frame.Output!.Kind);
        var logits = frame.Output.AsFloat32();
        var pixel = (2 * 5 * FrameWidth) + (2 * 11); // cell (5, 11), covered by two windows
        Assert.Equal((float)input[pixel], logits[(5 * FrameWidth / 2) + 11], 2);
    }

    [Fact]
    public void A_window_sized_input_is_refused_naming_the_frame_size_the_model_needs()
    {
        using var segmenter = Open("logits");
        using var frame = new FrameContext("cam") { Input = new TensorBuffer(TensorElementKind.Float32, 1, 3, TestModels.Height, TestModels.Width) };

        var ex = Assert.Throws<InvalidOperationException>(() => segmenter.Run(frame));

        Assert.Contains($"(1, 3, {FrameHeight}, {FrameWidth})", ex.Message);
    }

    [Fact]
    public void The_stages_resize_frames_to_the_slide_size_and_label_every_pixel_of_it()
    {
        using var segmenter = Open("logits", upsample: "bilinear");
        using var preprocessor = new Preprocessor(segmenter.Manifest);
        using var postprocessor = new Postprocessor(segmenter.Manifest, new MaskOptions { EveryNFrames = 0 });
        using var frame = new FrameContext("cam");
        using (var image = new Mat(FrameHeight * 2, FrameWidth * 2, MatType.CV_8UC3, new Scalar(10, 200, 30)))
        {
            image.CopyTo(frame.Image);
        }

        preprocessor.Process(frame);
        segmenter.Run(frame);
        postprocessor.Process(frame);

        Assert.Equal([1L, 3, FrameHeight, FrameWidth], preprocessor.InputShape);
        Assert.Equal((FrameWidth, FrameHeight), (frame.Labels.Width, frame.Labels.Height));
        var green = TestModels.ExpectedClass(30, 200, 10);
        Assert.All(frame.Labels.Data.ToArray(), label => Assert.Equal(green, label));
        Assert.Equal(1f, frame.ClassFractions[green]);
    }

    public void Dispose()
    {
        foreach (var folder in _folders)
        {
            folder.Dispose();
        }
    }

    private OnnxSegmenter Open(string name, string? upsample = null)
    {
        var folder = TestModels.CopyToTemporary(name, out var modelPath);
        _folders.Add(folder);
        var manifestPath = Path.ChangeExtension(modelPath, ".json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        manifest["slide"] = new JsonObject
        {
            ["height"] = FrameHeight,
            ["width"] = FrameWidth,
            ["rowStride"] = 6,
            ["columnStride"] = 8,
        };
        if (upsample is not null)
        {
            manifest["output"]!["upsample"] = upsample;
        }

        File.WriteAllText(manifestPath, manifest.ToJsonString());
        return new OnnxSegmenter(new InferenceOptions { Path = modelPath });
    }
}
