using System.Buffers;
using Microsoft.Extensions.Logging;
using NSubstitute;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Running;
using SegMan.Edge.Pipeline.Tests.Models;

namespace SegMan.Edge.Pipeline.Tests.Postprocessing;

public sealed class PostprocessorTests
{
    [Theory]
    [InlineData(4, 5, 7)]
    [InlineData(19, 64, 128)]
    [InlineData(3, 1, 1)]
    public void Float32_logits_give_the_per_pixel_argmax(int classes, int height, int width)
    {
        var logits = RandomLogits(classes, height, width, seed: classes);
        using var frame = new FrameContext("cam") { Output = Logits32(logits, classes, height, width) };

        new Postprocessor(Manifest(classes), new MaskOptions()).Process(frame);

        Assert.Equal((width, height), (frame.Labels.Width, frame.Labels.Height));
        Assert.Equal(NaiveArgMax(logits, classes, height * width), frame.Labels.Data.ToArray());
    }

    [Fact]
    public void Ties_go_to_the_lower_class_id()
    {
        // Three class planes over 20 pixels (enough for the vector path and its scalar tail).
        float[] class0 = [1, 2, 5, 0], class1 = [1, 5, 9, 9], class2 = [1, 5, 9, 9];
        var logits = new[] { class0, class1, class2 }.SelectMany(plane => Enumerable.Repeat(plane, 5).SelectMany(p => p)).ToArray();
        using var frame = new FrameContext("cam") { Output = Logits32(logits, 3, 1, 20) };

        new Postprocessor(Manifest(3), new MaskOptions()).Process(frame);

        Assert.Equal(Enumerable.Repeat(new byte[] { 0, 1, 1, 1 }, 5).SelectMany(p => p).ToArray(), frame.Labels.Data.ToArray());
    }

    [Fact]
    public void Float16_logits_give_the_same_argmax()
    {
        var logits = RandomLogits(19, 9, 33, seed: 7);
        var output = new TensorBuffer(TensorElementKind.Float16, 1, 19, 9, 33);
        var half = output.AsFloat16();
        for (var i = 0; i < logits.Length; i++)
        {
            half[i] = (Half)logits[i];
            logits[i] = (float)half[i];
        }

        using var frame = new FrameContext("cam") { Output = output };

        new Postprocessor(Manifest(19), new MaskOptions()).Process(frame);

        Assert.Equal(NaiveArgMax(logits, 19, 9 * 33), frame.Labels.Data.ToArray());
    }

    [Fact]
    public void Int64_labels_are_copied_and_out_of_range_ids_become_255()
    {
        var output = new TensorBuffer(TensorElementKind.Int64, 1, 2, 3);
        long[] ids = [0, 3, 2, -1, 256, 1];
        ids.CopyTo(output.AsInt64());
        using var frame = new FrameContext("cam") { Output = output };

        new Postprocessor(Manifest(4, kind: "labels"), new MaskOptions()).Process(frame);

        Assert.Equal([0, 3, 2, 255, 255, 1], frame.Labels.Data.ToArray());
        Assert.Equal((3, 2), (frame.Labels.Width, frame.Labels.Height));
    }

    [Fact]
    public void Uint8_labels_with_a_channel_axis_are_copied()
    {
        var output = new TensorBuffer(TensorElementKind.UInt8, 1, 1, 2, 2);
        new byte[] { 3, 1, 0, 2 }.CopyTo(output.Bytes);
        using var frame = new FrameContext("cam") { Output = output };

        new Postprocessor(Manifest(4, kind: "labels"), new MaskOptions()).Process(frame);

        Assert.Equal([3, 1, 0, 2], frame.Labels.Data.ToArray());
    }

    [Fact]
    public void Class_fractions_count_pixels_and_sum_to_one()
    {
        var logits = RandomLogits(19, 64, 128, seed: 8);
        using var frame = new FrameContext("cam") { Output = Logits32(logits, 19, 64, 128) };

        new Postprocessor(Manifest(19), new MaskOptions()).Process(frame);

        Assert.Equal(19, frame.ClassFractions.Length);
        Assert.Equal(1.0, frame.ClassFractions.Sum(), 5);
        var labels = frame.Labels.Data.ToArray();
        for (var c = 0; c < 19; c++)
        {
            Assert.Equal(labels.Count(l => l == c) / (float)labels.Length, frame.ClassFractions[c], 6);
        }
    }

    [Fact]
    public void Ids_without_a_class_count_towards_no_fraction()
    {
        var output = new TensorBuffer(TensorElementKind.UInt8, 1, 1, 4);
        new byte[] { 0, 255, 1, 1 }.CopyTo(output.Bytes);
        using var frame = new FrameContext("cam") { Output = output };

        new Postprocessor(Manifest(2, kind: "labels"), new MaskOptions()).Process(frame);

        Assert.Equal([0.25f, 0.5f], frame.ClassFractions);
    }

    [Fact]
    public void The_fraction_array_is_kept_between_frames()
    {
        var postprocessor = new Postprocessor(Manifest(4), new MaskOptions());
        using var frame = new FrameContext("cam") { Output = Logits32(RandomLogits(4, 5, 7, 1), 4, 5, 7) };

        postprocessor.Process(frame);
        var fractions = frame.ClassFractions;
        postprocessor.Process(frame);

        Assert.Same(fractions, frame.ClassFractions);
    }

    [Fact]
    public void Masks_are_encoded_on_every_nth_frame_only()
    {
        var encoder = new CountingEncoder();
        var postprocessor = new Postprocessor(Manifest(4), new MaskOptions { EveryNFrames = 5 }, encoder, null);
        using var frame = new FrameContext("cam") { Output = Logits32(RandomLogits(4, 5, 7, 2), 4, 5, 7) };
        var present = new List<long>();

        for (long sequence = 0; sequence < 12; sequence++)
        {
            frame.Sequence = sequence;
            postprocessor.Process(frame);
            if (frame.Mask.IsPresent)
            {
                present.Add(sequence);
                Assert.Equal(MaskFormat.Rle, frame.Mask.Format);
                Assert.Equal((7, 5), (frame.Mask.Width, frame.Mask.Height));
            }
        }

        Assert.Equal([0L, 5, 10], present);
        Assert.Equal([(7, 5, 35), (7, 5, 35), (7, 5, 35)], encoder.Calls);
    }

    [Fact]
    public void No_masks_when_every_n_frames_is_zero()
    {
        var encoder = new CountingEncoder();
        var postprocessor = new Postprocessor(Manifest(4), new MaskOptions { EveryNFrames = 0 }, encoder, null);
        using var frame = new FrameContext("cam") { Output = Logits32(RandomLogits(4, 5, 7, 3), 4, 5, 7) };

        for (long sequence = 0; sequence < 6; sequence++)
        {
            frame.Sequence = sequence;
            postprocessor.Process(frame);
            Assert.False(frame.Mask.IsPresent);
        }

        Assert.Empty(encoder.Calls);
    }

    [Fact]
    public void A_configured_mask_size_resizes_the_labels_nearest()
    {
        var logits = RandomLogits(4, 5, 7, seed: 4);
        using var frame = new FrameContext("cam") { Output = Logits32(logits, 4, 5, 7) };
        var options = new MaskOptions { Format = MaskFormat.Rle, EveryNFrames = 1, Width = 14, Height = 10 };

        new Postprocessor(Manifest(4), options).Process(frame);

        Assert.True(frame.Mask.IsPresent);
        Assert.Equal((14, 10), (frame.Mask.Width, frame.Mask.Height));
        Assert.Equal("application/x-segman-rle", frame.Mask.ContentType);
        var decoded = RleMaskDecoder.Decode(frame.Mask.Buffer.WrittenSpan, out var width, out var height);
        Assert.Equal((14, 10), (width, height));
        var labels = frame.Labels.Data.ToArray();
        for (var y = 0; y < 10; y++)
        {
            for (var x = 0; x < 14; x++)
            {
                Assert.Equal(labels[((y / 2) * 7) + (x / 2)], decoded[(y * 14) + x]);
            }
        }
    }

    [Fact]
    public void A_png_mask_decodes_to_the_label_colours()
    {
        var manifest = Manifest(4);
        using var frame = new FrameContext("cam") { Output = Logits32(RandomLogits(4, 5, 7, seed: 5), 4, 5, 7) };

        new Postprocessor(manifest, new MaskOptions { EveryNFrames = 1 }).Process(frame);

        Assert.Equal("image/png", frame.Mask.ContentType);
        using var decoded = Cv2.ImDecode(frame.Mask.Buffer.WrittenSpan.ToArray(), ImreadModes.Unchanged);
        Assert.Equal(new Size(7, 5), decoded.Size());
        var label = frame.Labels.Data[(2 * 7) + 3];
        var color = manifest.Classes[label].Color;
        Assert.Equal(new Vec3b(color[2], color[1], color[0]), decoded.At<Vec3b>(2, 3));
    }

    [Fact]
    public void The_mask_buffer_is_rewritten_not_appended()
    {
        var postprocessor = new Postprocessor(Manifest(4), new MaskOptions { Format = MaskFormat.Rle, EveryNFrames = 1 });
        using var frame = new FrameContext("cam") { Output = Logits32(RandomLogits(4, 5, 7, seed: 6), 4, 5, 7) };

        postprocessor.Process(frame);
        var first = frame.Mask.Buffer.WrittenSpan.ToArray();
        postprocessor.Process(frame);

        Assert.Equal(first, frame.Mask.Buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void The_overlay_png_shows_the_frame_blended_with_the_class_colours()
    {
        using var folder = new TemporaryFolder();
        var manifest = Manifest(4);
        var options = new MaskOptions { Overlay = new OverlayOptions { Enabled = true, Path = folder.Path, EveryNFrames = 3, Alpha = 0.5 } };
        var postprocessor = new Postprocessor(manifest, options);
        using var frame = new FrameContext("front/left") { Output = Logits32(RandomLogits(4, 5, 7, seed: 9), 4, 5, 7), Sequence = 3 };
        using (var image = new Mat(50, 70, MatType.CV_8UC3, new Scalar(100, 50, 200)))
        {
            image.CopyTo(frame.Image);
        }

        postprocessor.Process(frame);

        var path = Path.Combine(folder.Path, "front_left.png");
        Assert.True(File.Exists(path));
        using var overlay = Cv2.ImRead(path, ImreadModes.Color);
        Assert.Equal(new Size(70, 50), overlay.Size());
        var color = manifest.Classes[frame.Labels.Data[(2 * 7) + 3]].Color;
        var pixel = overlay.At<Vec3b>(25, 35);
        Assert.InRange(pixel.Item0, ((100 + color[2]) / 2) - 1, ((100 + color[2]) / 2) + 1);
        Assert.InRange(pixel.Item1, ((50 + color[1]) / 2) - 1, ((50 + color[1]) / 2) + 1);
        Assert.InRange(pixel.Item2, ((200 + color[0]) / 2) - 1, ((200 + color[0]) / 2) + 1);
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void An_overlay_that_cannot_be_written_is_logged_and_the_frame_goes_on()
    {
        using var folder = new TemporaryFolder();
        var blocker = Path.Combine(folder.Path, "not-a-folder");
        File.WriteAllText(blocker, "x");
        var logger = Substitute.For<ILogger<Postprocessor>>();
        logger.IsEnabled(Arg.Any<LogLevel>()).Returns(true);
        var options = new MaskOptions { EveryNFrames = 1, Overlay = new OverlayOptions { Enabled = true, Path = blocker, EveryNFrames = 1 } };
        using var frame = new FrameContext("cam") { Output = Logits32(RandomLogits(4, 5, 7, seed: 10), 4, 5, 7) };
        using (var image = new Mat(5, 7, MatType.CV_8UC3, Scalar.All(9)))
        {
            image.CopyTo(frame.Image);
        }

        new Postprocessor(Manifest(4), options, logger).Process(frame);

        Assert.True(frame.Mask.IsPresent);
        var call = Assert.Single(logger.ReceivedCalls(), c => c.GetMethodInfo().Name == nameof(ILogger.Log));
        Assert.Equal(LogLevel.Warning, call.GetArguments()[0]);
        Assert.Contains("could not write the overlay", call.GetArguments()[2]!.ToString());
    }

    [Fact]
    public void Bilinear_upsampling_gives_labels_and_fractions_at_the_input_size()
    {
        // Input 16x24 at stride 4: logits 4x6, labels 16x24.
        var logits = RandomLogits(5, 4, 6, seed: 12);
        using var frame = new FrameContext("cam") { Output = Logits32(logits, 5, 4, 6) };

        new Postprocessor(UpsampledManifest(5), new MaskOptions()).Process(frame);

        Assert.Equal((24, 16), (frame.Labels.Width, frame.Labels.Height));
        var labels = frame.Labels.Data.ToArray();
        var (expected, gaps) = BilinearReference.ArgMax(logits, 5, 4, 6, 16, 24);
        Assert.Equal(expected.Where((_, i) => gaps[i] >= 1e-5), labels.Where((_, i) => gaps[i] >= 1e-5));
        Assert.True(labels.Distinct().Count() > 1, "random logits should give more than one class");
        Assert.Equal(1.0, frame.ClassFractions.Sum(), 5);
        for (var c = 0; c < 5; c++)
        {
            Assert.Equal(labels.Count(l => l == c) / 384f, frame.ClassFractions[c], 6);
        }
    }

    [Fact]
    public void Bilinear_upsampling_reads_float16_logits()
    {
        var logits = RandomLogits(5, 4, 6, seed: 13);
        var output = new TensorBuffer(TensorElementKind.Float16, 1, 5, 4, 6);
        var half = output.AsFloat16();
        for (var i = 0; i < logits.Length; i++)
        {
            half[i] = (Half)logits[i];
            logits[i] = (float)half[i];
        }

        using var frame = new FrameContext("cam") { Output = output };

        new Postprocessor(UpsampledManifest(5), new MaskOptions()).Process(frame);

        Assert.Equal((24, 16), (frame.Labels.Width, frame.Labels.Height));
        var (expected, gaps) = BilinearReference.ArgMax(logits, 5, 4, 6, 16, 24);
        var labels = frame.Labels.Data.ToArray();
        Assert.Equal(expected.Where((_, i) => gaps[i] >= 1e-5), labels.Where((_, i) => gaps[i] >= 1e-5));
    }

    [Fact]
    public void Masks_of_upsampled_labels_default_to_the_input_size_and_resize_to_a_configured_one()
    {
        var encoder = new CountingEncoder();
        using var frame = new FrameContext("cam") { Output = Logits32(RandomLogits(5, 4, 6, seed: 14), 5, 4, 6) };

        new Postprocessor(UpsampledManifest(5), new MaskOptions { EveryNFrames = 1 }, encoder, null).Process(frame);
        var options = new MaskOptions { Format = MaskFormat.Rle, EveryNFrames = 1, Width = 12, Height = 8 };
        new Postprocessor(UpsampledManifest(5), options).Process(frame);

        Assert.Equal([(24, 16, 384)], encoder.Calls);
        var decoded = RleMaskDecoder.Decode(frame.Mask.Buffer.WrittenSpan, out var width, out var height);
        Assert.Equal((12, 8), (width, height));
        var labels = frame.Labels.Data.ToArray();
        for (var y = 0; y < 8; y++)
        {
            for (var x = 0; x < 12; x++)
            {
                Assert.Equal(labels[(((2 * y) + 1) * 24) + (2 * x) + 1], decoded[(y * 12) + x]);
            }
        }
    }

    [Fact]
    public void A_frame_without_model_output_is_refused()
    {
        using var frame = new FrameContext("cam");

        Assert.Throws<InvalidOperationException>(() => new Postprocessor(Manifest(4), new MaskOptions()).Process(frame));
    }

    [Fact]
    public void Logits_with_another_class_count_are_refused()
    {
        using var frame = new FrameContext("cam") { Output = Logits32(RandomLogits(5, 2, 2, 1), 5, 2, 2) };

        var ex = Assert.Throws<InvalidOperationException>(() => new Postprocessor(Manifest(4), new MaskOptions()).Process(frame));

        Assert.Contains("4 classes", ex.Message);
    }

    private sealed class CountingEncoder : IMaskEncoder
    {
        public List<(int Width, int Height, int Labels)> Calls { get; } = [];

        public MaskFormat Format => MaskFormat.Rle;

        public void Encode(ReadOnlySpan<byte> labels, int width, int height, IBufferWriter<byte> output)
        {
            Calls.Add((width, height, labels.Length));
            output.Write<byte>([1, 2, 3]);
        }
    }

    internal static ModelManifest Manifest(int classes, string kind = "logits") => new()
    {
        Name = "post",
        Variant = "test",
        Input = new ModelInputSpec { Height = 8, Width = 8, Mean = [0, 0, 0], Std = [1, 1, 1] },
        Output = new ModelOutputSpec { Kind = kind, Stride = 1 },
        Classes = Enumerable.Range(0, classes).Select(i => new ClassInfo(i, $"c{i}", [(byte)(i * 40), (byte)(255 - (i * 30)), (byte)(i * 13)])).ToList(),
    };

    private static ModelManifest UpsampledManifest(int classes) => Manifest(classes) with
    {
        Input = new ModelInputSpec { Height = 16, Width = 24, Mean = [0, 0, 0], Std = [1, 1, 1] },
        Output = new ModelOutputSpec { Kind = "logits", Stride = 4, Upsample = "bilinear" },
    };

    private static TensorBuffer Logits32(float[] values, int classes, int height, int width)
    {
        var buffer = new TensorBuffer(TensorElementKind.Float32, 1, classes, height, width);
        values.CopyTo(buffer.AsFloat32());
        return buffer;
    }

    private static float[] RandomLogits(int classes, int height, int width, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, classes * height * width).Select(_ => (random.NextSingle() * 20) - 10).ToArray();
    }

    private static byte[] NaiveArgMax(float[] logits, int classes, int pixels)
    {
        var labels = new byte[pixels];
        for (var p = 0; p < pixels; p++)
        {
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                if (logits[(c * pixels) + p] > logits[(best * pixels) + p])
                {
                    best = c;
                }
            }

            labels[p] = (byte)best;
        }

        return labels;
    }
}
