using Microsoft.Extensions.Options;
using NSubstitute;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Tests.Inference;

namespace SegMan.Edge.Agent.Tests.Hosting;

public sealed class ModelRuntimeTests
{
    [Fact(Timeout = 30_000)]
    public async Task A_long_load_says_when_it_starts_that_it_is_still_going_and_how_long_it_took()
    {
        using var logs = new RecordingLoggerFactory();
        var options = new InferenceOptions
        {
            Path = "models/segman.onnx",
            ExecutionProvider = "TensorRT",
            TensorRt = new TensorRtOptions { EngineCacheDir = "/var/cache/segman-edge/trt-engines" },
        };
        var segmenter = Substitute.For<ISegmenter>();
        segmenter.ExecutionProvider.Returns("tensorrt");

        // The load lasts until two progress lines were written, however slow the machine.
        using var runtime = new ModelRuntime(Options.Create(options), logs, (_, _) =>
        {
            SpinWait.SpinUntil(() => Progress(logs).Count() >= 2, TimeSpan.FromSeconds(20));
            return segmenter;
        }, TimeSpan.FromMilliseconds(20));
        var loaded = await Task.Run(() => runtime.Segmenter);

        var lines = logs.Entries.Where(e => e.Category.EndsWith(nameof(ModelRuntime), StringComparison.Ordinal)).Select(e => e.Message).ToList();
        Assert.Same(segmenter, loaded);
        Assert.StartsWith("Loading model models/segman.onnx (execution provider tensorrt asked for)", lines[0], StringComparison.Ordinal);
        Assert.Contains("Engines are cached in /var/cache/segman-edge/trt-engines", lines[1], StringComparison.Ordinal);
        Assert.True(Progress(logs).Count() >= 2, string.Join('\n', lines));
        Assert.Matches(@"^Model models/segman\.onnx loaded on tensorrt in \d+\.\d s$", lines.Last(l => l.Contains("loaded on", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_failed_load_is_thrown_to_the_caller_and_the_progress_timer_stops()
    {
        using var logs = new RecordingLoggerFactory();
        using var runtime = new ModelRuntime(
            Options.Create(new InferenceOptions { Path = "m.onnx" }), logs, (_, _) => throw new InvalidOperationException("corrupt"), TimeSpan.FromMilliseconds(10));

        Assert.Throws<InvalidOperationException>(() => runtime.Segmenter);
        var after = Progress(logs).Count();
        Thread.Sleep(100);
        Assert.Equal(after, Progress(logs).Count());
        Assert.False(runtime.IsLoaded);
        Assert.Null(runtime.LoadingFor);
    }

    private static IEnumerable<string> Progress(RecordingLoggerFactory logs) =>
        logs.Entries.Select(e => e.Message).Where(m => m.StartsWith("Still loading model", StringComparison.Ordinal));
}
