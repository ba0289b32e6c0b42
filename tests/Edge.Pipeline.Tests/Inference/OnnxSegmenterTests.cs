using Microsoft.Extensions.Logging;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Running;
using SegMan.Edge.Pipeline.Tests.Models;

namespace SegMan.Edge.Pipeline.Tests.Inference;

/// <summary>Real ONNX Runtime sessions over the tiny test models.</summary>
public sealed class OnnxSegmenterTests
{
    private const int OutHeight = TestModels.Height / TestModels.Stride;
    private const int OutWidth = TestModels.Width / TestModels.Stride;

    [Fact]
    public void The_logits_model_computes_the_known_convolution()
    {
        using var segmenter = Open("logits");
        using var frame = FrameWithInput(seed: 1);

        segmenter.Run(frame);

        Assert.Equal("cpu", segmenter.ExecutionProvider);
        Assert.Equal([1L, 4, OutHeight, OutWidth], frame.Output!.Shape);
        Assert.Equal(TensorElementKind.Float32, frame.Output.Kind);
        var input = frame.Input!.AsFloat32();
        var logits = frame.Output.AsFloat32();
        for (var y = 0; y < OutHeight; y++)
        {
            for (var x = 0; x < OutWidth; x++)
            {
                var (r, g, b) = Pixel(input, y * TestModels.Stride, x * TestModels.Stride);
                Assert.Equal(r, Logit(logits, 0, y, x), 5);
                Assert.Equal(g, Logit(logits, 1, y, x), 5);
                Assert.Equal(b, Logit(logits, 2, y, x), 5);
                Assert.Equal(0.5f - (r + g + b), Logit(logits, 3, y, x), 5);
            }
        }
    }

    [Fact]
    public void The_output_buffer_is_made_once_per_frame_context_and_reused()
    {
        using var segmenter = Open("logits");
        using var frame = FrameWithInput(seed: 2);

        segmenter.Run(frame);
        var first = frame.Output;
        var before = frame.Output!.AsFloat32().ToArray();
        Fill(frame.Input!.AsFloat32(), seed: 3);
        segmenter.Run(frame);

        Assert.Same(first, frame.Output);
        Assert.NotEqual(before, frame.Output!.AsFloat32().ToArray());
    }

    [Fact]
    public void A_replaced_input_buffer_is_bound_again()
    {
        using var segmenter = Open("logits");
        using var frame = FrameWithInput(seed: 4);
        segmenter.Run(frame);

        frame.Input = new TensorBuffer(TensorElementKind.Float32, 1, 3, TestModels.Height, TestModels.Width);
        Fill(frame.Input.AsFloat32(), seed: 5);
        segmenter.Run(frame);

        var (r, _, _) = Pixel(frame.Input.AsFloat32(), 0, 0);
        Assert.Equal(r, Logit(frame.Output!.AsFloat32(), 0, 0, 0), 5);
    }

    [Fact]
    public void The_labels_model_writes_int64_class_ids()
    {
        using var segmenter = Open("labels");
        using var frame = FrameWithInput(seed: 6);

        segmenter.Run(frame);

        Assert.Equal(TensorElementKind.Int64, frame.Output!.Kind);
        Assert.Equal([1L, OutHeight, OutWidth], frame.Output.Shape);
        AssertLabels(frame.Input!.AsFloat32(), frame.Output.AsInt64().ToArray());
    }

    [Fact]
    public void The_uint8_labels_model_writes_bytes_with_a_channel_axis()
    {
        using var segmenter = Open("labels-uint8");
        using var frame = FrameWithInput(seed: 7);

        segmenter.Run(frame);

        Assert.Equal(TensorElementKind.UInt8, frame.Output!.Kind);
        Assert.Equal([1L, 1, OutHeight, OutWidth], frame.Output.Shape);
        AssertLabels(frame.Input!.AsFloat32(), frame.Output.Bytes.ToArray().Select(b => (long)b).ToArray());
    }

    [Fact]
    public void A_float16_model_takes_half_input_and_gives_half_logits()
    {
        using var segmenter = Open("logits-fp16");
        using var frame = new FrameContext("cam");
        frame.Input = new TensorBuffer(TensorElementKind.Float16, 1, 3, TestModels.Height, TestModels.Width);
        var values = new float[frame.Input.ElementCount];
        Fill(values, seed: 8);
        var half = frame.Input.AsFloat16();
        for (var i = 0; i < values.Length; i++)
        {
            half[i] = (Half)values[i];
        }

        segmenter.Run(frame);

        Assert.Equal(TensorElementKind.Float16, frame.Output!.Kind);
        var logits = frame.Output.AsFloat16();
        var r = (float)half[(2 * TestModels.Width) + 4];
        Assert.Equal(r, (float)logits[(1 * OutWidth) + 2], 2);
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("tensorrt")]
    [InlineData("CUDA")]
    public void A_gpu_provider_missing_from_this_build_falls_back_to_cpu_with_one_log_line(string requested)
    {
        var logs = new RecordingLoggerFactory();

        using var segmenter = OnnxSegmenter.Create(new InferenceOptions { Path = TestModels.PathOf("logits"), ExecutionProvider = requested }, logs);
        using var frame = FrameWithInput(seed: 9);
        segmenter.Run(frame);

        Assert.Equal("cpu", segmenter.ExecutionProvider);
        var line = Assert.Single(logs.Entries);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains($"Execution provider {requested.ToLowerInvariant()} was asked for; running on cpu", line.Message);
        Assert.Contains("not in this ONNX Runtime build", line.Message);
    }

    [Fact]
    public void Cpu_as_asked_logs_nothing()
    {
        var logs = new RecordingLoggerFactory();

        using var segmenter = OnnxSegmenter.Create(new InferenceOptions { Path = TestModels.PathOf("logits") }, logs);

        Assert.Equal("cpu", segmenter.ExecutionProvider);
        Assert.Empty(logs.Entries);
    }

    [Fact]
    public void A_missing_model_file_names_the_file_and_the_setting()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "absent.onnx");

        var ex = Assert.Throws<ModelLoadException>(() => Open(path: path));

        Assert.Contains($"Model file not found: {path}", ex.Message);
        Assert.Contains("SegMan:Model:Path", ex.Message);
    }

    [Theory]
    [InlineData("corrupt")]
    [InlineData("truncated")]
    public void A_corrupt_or_truncated_model_is_refused_with_the_file_and_the_fix(string name)
    {
        var path = TestModels.PathOf(name);

        var ex = Assert.Throws<ModelLoadException>(() => Open(path: path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("corrupt or truncated", ex.Message);
        Assert.Contains("export it again", ex.Message);
    }

    [Fact]
    public void A_model_without_its_manifest_is_refused()
    {
        using var folder = TestModels.CopyToTemporary("logits", out var path, withManifest: false);

        var ex = Assert.Throws<ModelManifestException>(() => Open(path: path));

        Assert.Contains(Path.ChangeExtension(path, ".json"), ex.Message);
    }

    [Fact]
    public void A_manifest_that_disagrees_with_the_graph_is_refused_naming_both_values()
    {
        var path = TestModels.PathOf("mismatch");

        var ex = Assert.Throws<ModelGraphMismatchException>(() => Open(path: path));

        Assert.Contains($"Model input height: manifest says 8, graph says 4 ({path})", ex.Message);
        Assert.Contains($"Model input width: manifest says 12, graph says 6 ({path})", ex.Message);
    }

    [Fact]
    public void A_missing_custom_op_library_is_a_clear_error()
    {
        using var folder = new TemporaryFolder();
        var library = Path.Combine(folder.Path, "nowhere", "libsegman_ops.so");

        var ex = Assert.Throws<ModelLoadException>(() => Open(path: TestModels.PathOf("custom-op"), customOpLibrary: library));

        Assert.Contains("NeighborhoodAttention2D", ex.Message);
        Assert.Contains(library, ex.Message);
        Assert.Contains("not found", ex.Message);
        Assert.IsType<SegMan.Edge.Kernels.CustomOpLibraryException>(ex.InnerException);
    }

    [Fact]
    public void A_custom_op_graph_whose_manifest_lists_no_custom_ops_says_so()
    {
        using var folder = TestModels.CopyToTemporary("custom-op", out var path, withManifest: false);
        File.Copy(Path.ChangeExtension(TestModels.PathOf("logits"), ".json"), Path.ChangeExtension(path, ".json"));

        var ex = Assert.Throws<ModelLoadException>(() => Open(path: path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("customOps", ex.Message);
        Assert.Contains("NeighborhoodAttention2D", ex.Message);
    }

    [Fact]
    public void An_input_that_does_not_fit_the_model_is_refused_before_running()
    {
        using var segmenter = Open("logits");
        using var frame = new FrameContext("cam") { Input = new TensorBuffer(TensorElementKind.Float32, 1, 3, 4, 4) };

        var ex = Assert.Throws<InvalidOperationException>(() => segmenter.Run(frame));

        Assert.Contains("(1, 3, 8, 12)", ex.Message);
    }

    [Fact]
    public async Task Several_cameras_can_share_one_segmenter()
    {
        using var segmenter = Open("labels");
        var frames = Enumerable.Range(0, 4).Select(i => FrameWithInput(seed: 100 + i)).ToArray();
        try
        {
            var runs = frames.Select(frame => Task.Run(() =>
            {
                for (var i = 0; i < 200; i++)
                {
                    segmenter.Run(frame);
                    AssertLabels(frame.Input!.AsFloat32(), frame.Output!.AsInt64().ToArray());
                }
            }));

            await Task.WhenAll(runs);
        }
        finally
        {
            foreach (var frame in frames)
            {
                frame.Dispose();
            }
        }
    }

    [Fact]
    public void A_disposed_segmenter_refuses_to_run()
    {
        var segmenter = Open("logits");
        using var frame = FrameWithInput(seed: 10);
        segmenter.Run(frame);
        segmenter.Dispose();

        Assert.Throws<ObjectDisposedException>(() => segmenter.Run(frame));
    }

    internal static OnnxSegmenter Open(string? name = null, string? path = null, string? customOpLibrary = null) =>
        new(new InferenceOptions { Path = path ?? TestModels.PathOf(name!), CustomOpLibrary = customOpLibrary });

    private static FrameContext FrameWithInput(int seed)
    {
        var frame = new FrameContext("cam") { Input = new TensorBuffer(TensorElementKind.Float32, 1, 3, TestModels.Height, TestModels.Width) };
        Fill(frame.Input.AsFloat32(), seed);
        return frame;
    }

    private static void Fill(Span<float> values, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.NextSingle();
        }
    }

    private static (float R, float G, float B) Pixel(ReadOnlySpan<float> input, int y, int x)
    {
        const int Plane = TestModels.Height * TestModels.Width;
        var i = (y * TestModels.Width) + x;
        return (input[i], input[Plane + i], input[(2 * Plane) + i]);
    }

    private static float Logit(ReadOnlySpan<float> logits, int c, int y, int x) =>
        logits[(c * OutHeight * OutWidth) + (y * OutWidth) + x];

    private static void AssertLabels(ReadOnlySpan<float> input, long[] labels)
    {
        for (var y = 0; y < OutHeight; y++)
        {
            for (var x = 0; x < OutWidth; x++)
            {
                var (r, g, b) = Pixel(input, y * TestModels.Stride, x * TestModels.Stride);
                float[] scores = [r, g, b, 0.5f - (r + g + b)];
                var expected = Array.IndexOf(scores, scores.Max());
                Assert.Equal(expected, labels[(y * OutWidth) + x]);
            }
        }
    }
}
