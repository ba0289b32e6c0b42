using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Integration.Tests;

/// <summary>A random-weights SegMAN exported with a manifest that slides its 128×160 windows over 256×288 frames.</summary>
public sealed class SlidingExportFixture() : ExportFixture(["--slide", "256x288", "--slide-stride", "96x96"]);

/// <summary>
/// The agent's segmenter runs a sliding model window by window through ONNX Runtime and libsegman_ops and gives the
/// frame the logits PyTorch gives it (<c>segman.slide</c>: the same windows, averaged where they overlap).
/// </summary>
public sealed class SlidingExportParityTests(SlidingExportFixture fixture) : IClassFixture<SlidingExportFixture>
{
    [Theory]
    [InlineData("customOps")]
    [InlineData("decomposed")]
    public void The_windows_of_a_frame_average_to_what_pytorch_gives(string graph)
    {
        var model = graph == "customOps" ? fixture.Info.Models.CustomOps : fixture.Info.Models.Decomposed;
        using var segmenter = new OnnxSegmenter(new InferenceOptions { Path = fixture.PathOf(model) });
        using var frame = new FrameContext("cam") { Input = new TensorBuffer(TensorElementKind.Float32, fixture.Info.InputShape) };
        fixture.Input.CopyTo(frame.Input.AsFloat32());

        segmenter.Run(frame);

        Assert.Equal(9, segmenter.WindowsPerFrame);
        Assert.Equal(fixture.Info.OutputShape, frame.Output!.Shape);
        var actual = frame.Output.AsFloat32();
        var worst = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(actual[i] - fixture.Expected[i]));
        }

        Assert.True(worst <= fixture.Info.Tolerance.Absolute, $"max |agent - pytorch| = {worst:G4} exceeds {fixture.Info.Tolerance.Absolute:G4}");
    }
}
