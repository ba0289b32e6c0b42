using OpenCvSharp;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Preprocessing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Tests.Preprocessing;

/// <summary>Real OpenCV: the tensor must equal the manifest's recipe applied pixel by pixel.</summary>
public sealed class PreprocessorTests
{
    private static readonly float[] Mean = [123.675f, 116.28f, 103.53f];
    private static readonly float[] Std = [58.395f, 57.12f, 57.375f];

    [Fact]
    public void A_frame_of_the_model_size_is_normalised_into_rgb_planes()
    {
        using var preprocessor = new Preprocessor(Manifest(8, 12));
        using var frame = Frame(8, 12, seed: 1);

        preprocessor.Process(frame);

        Assert.Equal([1L, 3, 8, 12], frame.Input!.Shape);
        Assert.Equal(TensorElementKind.Float32, frame.Input.Kind);
        AssertNormalised(frame.Image, frame.Input.AsFloat32(), rgb: true, tolerance: 1e-4f);
    }

    [Fact]
    public void A_bgr_model_keeps_the_channel_order()
    {
        using var preprocessor = new Preprocessor(Manifest(8, 12, colorOrder: "BGR"));
        using var frame = Frame(8, 12, seed: 2);

        preprocessor.Process(frame);

        AssertNormalised(frame.Image, frame.Input!.AsFloat32(), rgb: false, tolerance: 1e-4f);
    }

    [Fact]
    public void A_larger_frame_is_resized_bilinearly_to_the_model_size()
    {
        using var preprocessor = new Preprocessor(Manifest(32, 64));
        using var frame = Frame(72, 128, seed: 3);
        using var expected = new Mat();
        Cv2.Resize(frame.Image, expected, new Size(64, 32), 0, 0, InterpolationFlags.Linear);

        preprocessor.Process(frame);

        Assert.Equal([1L, 3, 32, 64], frame.Input!.Shape);
        AssertNormalised(expected, frame.Input.AsFloat32(), rgb: true, tolerance: 1e-4f);
    }

    [Fact]
    public void A_float16_model_gets_a_half_tensor()
    {
        using var preprocessor = new Preprocessor(Manifest(8, 12, dtype: "float16"));
        using var frame = Frame(8, 12, seed: 4);

        preprocessor.Process(frame);

        Assert.Equal(TensorElementKind.Float16, frame.Input!.Kind);
        var asFloat = frame.Input.AsFloat16().ToArray().Select(h => (float)h).ToArray();
        AssertNormalised(frame.Image, asFloat, rgb: true, tolerance: 4e-3f);
    }

    [Fact]
    public void The_input_buffer_is_made_once_per_context_and_refilled()
    {
        using var preprocessor = new Preprocessor(Manifest(8, 12));
        using var first = Frame(8, 12, seed: 5);
        using var second = Frame(8, 12, seed: 6);

        preprocessor.Process(first);
        var buffer = first.Input;
        preprocessor.Process(second);
        using (var other = Frame(8, 12, seed: 7))
        {
            other.Image.CopyTo(first.Image);
        }

        preprocessor.Process(first);

        Assert.Same(buffer, first.Input);
        Assert.NotSame(first.Input, second.Input);
        AssertNormalised(first.Image, first.Input!.AsFloat32(), rgb: true, tolerance: 1e-4f);
        AssertNormalised(second.Image, second.Input!.AsFloat32(), rgb: true, tolerance: 1e-4f);
    }

    [Theory]
    [InlineData("RGB", "float32", 256, 512)] // the demo model: the drive's 1024x512 halved
    [InlineData("BGR", "float32", 256, 512)]
    [InlineData("RGB", "float16", 256, 512)]
    [InlineData("RGB", "float32", 360, 640)] // bilinear weights that are not halves
    [InlineData("RGB", "float32", 512, 1024)] // the frame has the model's size: no resize
    public void A_real_frame_is_bit_for_bit_what_opencv_splits_and_converts(string colorOrder, string dtype, int height, int width)
    {
        var manifest = Manifest(height, width, colorOrder, dtype);
        using var preprocessor = new Preprocessor(manifest);
        using var frame = new FrameContext("cam");
        using (var image = RepositoryFiles.ReadDriveFrame(30))
        {
            image.CopyTo(frame.Image);
        }

        preprocessor.Process(frame);

        var expected = SplitAndConvert(frame.Image, manifest);
        var actual = frame.Input!.Bytes;
        Assert.Equal(expected.Length, actual.Length);
        var same = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(same == expected.Length, $"the tensor differs from byte {same} on (element {same / (dtype == "float16" ? 2 : 4)})");
    }

    [Fact]
    public void An_empty_frame_is_refused()
    {
        using var preprocessor = new Preprocessor(Manifest(8, 12));
        using var frame = new FrameContext("cam");

        var ex = Assert.Throws<InvalidOperationException>(() => preprocessor.Process(frame));

        Assert.Contains("no image", ex.Message);
    }

    [Fact]
    public void A_grey_frame_is_refused_with_the_expected_type()
    {
        using var preprocessor = new Preprocessor(Manifest(8, 12));
        using var frame = new FrameContext("cam");
        using (var grey = new Mat(8, 12, MatType.CV_8UC1, Scalar.All(7)))
        {
            grey.CopyTo(frame.Image);
        }

        var ex = Assert.Throws<InvalidOperationException>(() => preprocessor.Process(frame));

        Assert.Contains("CV_8UC3", ex.Message);
    }

    internal static ModelManifest Manifest(int height, int width, string colorOrder = "RGB", string dtype = "float32") => new()
    {
        Name = "pre",
        Variant = "test",
        Input = new ModelInputSpec { Height = height, Width = width, ColorOrder = colorOrder, Dtype = dtype, Mean = Mean, Std = Std },
        Output = new ModelOutputSpec { Kind = "logits", Stride = 1 },
        Classes = [new ClassInfo(0, "a", [0, 0, 0])],
    };

    /// <summary>The preprocessing as OpenCV alone does it: resize, split into channels, one scaled conversion per plane.</summary>
    private static byte[] SplitAndConvert(Mat bgr, ModelManifest manifest)
    {
        var (height, width) = (manifest.Input.Height, manifest.Input.Width);
        var half = manifest.Input.Dtype == "float16";
        var rgb = manifest.Input.ColorOrder == "RGB";
        using var resized = new Mat();
        if (bgr.Rows != height || bgr.Cols != width)
        {
            Cv2.Resize(bgr, resized, new Size(width, height), 0, 0, InterpolationFlags.Linear);
        }
        else
        {
            bgr.CopyTo(resized);
        }

        var channels = Cv2.Split(resized);
        var planeBytes = height * width * (half ? 2 : 4);
        var tensor = new byte[3 * planeBytes];
        for (var c = 0; c < 3; c++)
        {
            using var plane = new Mat();
            channels[rgb ? 2 - c : c].ConvertTo(plane, half ? MatType.CV_16FC1 : MatType.CV_32FC1, 1.0 / Std[c], -Mean[c] / Std[c]);
            plane.AsSpan<byte>().CopyTo(tensor.AsSpan(c * planeBytes, planeBytes));
        }

        foreach (var channel in channels)
        {
            channel.Dispose();
        }

        return tensor;
    }

    private static FrameContext Frame(int height, int width, int seed)
    {
        var frame = new FrameContext("cam");
        var pixels = new byte[height * width * 3];
        new Random(seed).NextBytes(pixels);
        using var image = Mat.FromPixelData(height, width, MatType.CV_8UC3, pixels);
        image.CopyTo(frame.Image);
        return frame;
    }

    private static void AssertNormalised(Mat bgr, ReadOnlySpan<float> tensor, bool rgb, float tolerance)
    {
        var rows = bgr.Rows;
        var cols = bgr.Cols;
        var plane = rows * cols;
        for (var y = 0; y < rows; y++)
        {
            for (var x = 0; x < cols; x++)
            {
                var pixel = bgr.At<Vec3b>(y, x);
                for (var c = 0; c < 3; c++)
                {
                    var value = rgb ? pixel[2 - c] : pixel[c];
                    var expected = (value - Mean[c]) / Std[c];
                    var actual = tensor[(c * plane) + (y * cols) + x];
                    Assert.True(Math.Abs(expected - actual) <= tolerance, $"({y},{x}) channel {c}: expected {expected}, got {actual}");
                }
            }
        }
    }
}
