using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Preprocessing;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Running;
using Xunit.Abstractions;
using Step = SegMan.Edge.Pipeline.Tests.CameraPipelines.ScriptedFrameSource.Step;

namespace SegMan.Edge.Pipeline.Tests.CameraPipelines;

public sealed class CameraPipelineTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly IPreprocessor _preprocessor = Substitute.For<IPreprocessor>();
    private readonly ISegmenter _segmenter = Substitute.For<ISegmenter>();
    private readonly IPostprocessor _postprocessor = Substitute.For<IPostprocessor>();
    private readonly RecordingPublisher _publisher = new();

    [Fact]
    public async Task File_source_delivers_every_frame_in_order_and_never_drops()
    {
        var source = new ScriptedFrameSource(isLive: false, ScriptedFrameSource.Frames(40));
        _segmenter.When(s => s.Run(Arg.Any<FrameContext>())).Do(_ => Thread.Sleep(2));
        using var pipeline = CreatePipeline(source);

        await pipeline.RunAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), _publisher.Sequences);
        Assert.Equal(0, pipeline.Counters.FramesDropped);
        Assert.Equal(40, pipeline.Counters.FramesProcessed);
        Assert.True(source.Disposed);
        Assert.Equal(SourceState.Ended, _publisher.States[^1]);
    }

    [Fact]
    public async Task Live_source_drops_oldest_frames_when_inference_is_behind_and_counts_them()
    {
        var source = new ScriptedFrameSource(isLive: true, ScriptedFrameSource.Frames(60));
        _segmenter.When(s => s.Run(Arg.Any<FrameContext>())).Do(_ => Thread.Sleep(20));
        using var pipeline = CreatePipeline(source);

        await pipeline.RunAsync(CancellationToken.None).WaitAsync(Timeout);

        var counters = pipeline.Counters;
        Assert.True(counters.FramesDropped > 0, "a source 20x faster than inference must drop");
        Assert.Equal(60, counters.FramesCaptured);
        Assert.Equal(counters.FramesCaptured, counters.FramesProcessed + counters.FramesDropped);

        // What got through is still in capture order, and includes the newest frame.
        Assert.Equal(_publisher.Sequences.Order(), _publisher.Sequences);
        Assert.Equal(59, _publisher.Sequences[^1]);
    }

    [Fact]
    public async Task Failed_source_is_reopened_with_backoff_and_the_gap_is_reported()
    {
        var source = new ScriptedFrameSource(isLive: true, Step.Frame, Step.Frame, Step.Fail, Step.Frame, Step.End);
        using var pipeline = CreatePipeline(source);

        await pipeline.RunAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(2, source.Opens);
        Assert.Equal(1, pipeline.Counters.Reconnects);
        Assert.Equal(3, pipeline.Counters.FramesCaptured);

        // A live source's frames reach inference through latest-frame slots, so one of two frames read back to back
        // may give way to the other.
        Assert.Equal(3, pipeline.Counters.FramesProcessed + pipeline.Counters.FramesDropped);
        Assert.Equal(
            [SourceState.Starting, SourceState.Streaming, SourceState.Reconnecting, SourceState.Streaming, SourceState.Ended],
            _publisher.States);
    }

    [Fact]
    public async Task Inference_on_a_live_source_starts_on_a_recent_frame_not_on_a_queued_one()
    {
        // A source far faster than inference (40 ms a frame): how old each frame is when inference starts on it. With
        // queues of ChannelCapacity (2) between capture and inference a frame waited for the frames queued ahead of
        // it, over 100 ms; through latest-frame slots it is as old as preprocessing and one capture interval.
        var inference = TimeSpan.FromMilliseconds(40);
        var source = new ScriptedFrameSource(isLive: true, ScriptedFrameSource.Frames(1000)) { ReadDelay = TimeSpan.FromMilliseconds(1) };
        var ages = new List<TimeSpan>();
        _segmenter.When(s => s.Run(Arg.Any<FrameContext>())).Do(call =>
        {
            ages.Add(DateTimeOffset.UtcNow - call.Arg<FrameContext>().CapturedAt);
            Thread.Sleep(inference);
        });
        using var pipeline = CreatePipeline(source);

        await pipeline.RunAsync(CancellationToken.None).WaitAsync(Timeout);

        var shown = string.Join(' ', ages.Select(a => $"{a.TotalMilliseconds:F0}"));
        output.WriteLine($"ages at inference start (ms): {shown}");
        Assert.True(ages.Count >= 5, $"only {ages.Count} frames inferred");
        var median = ages.Order().ElementAt(ages.Count / 2);
        Assert.True(median < inference, $"the median frame was {median.TotalMilliseconds:F0} ms old when inference started on it: {shown}");
    }

    [Fact]
    public async Task A_failed_read_waits_one_backoff_before_the_reopen_not_two()
    {
        var source = new ScriptedFrameSource(isLive: true, Step.Frame, Step.Fail, Step.Frame, Step.End);
        var time = new DelayRecordingTimeProvider();
        using var pipeline = CreatePipeline(source, time);

        await pipeline.RunAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(2, source.Opens);
        var first = TimeSpan.FromMilliseconds(5);
        Assert.Single(time.Delays, d => d >= first * 0.8 && d <= first * 1.2);
        Assert.DoesNotContain(time.Delays, d => d > first * 1.2);
    }

    [Fact]
    public async Task A_source_that_opens_but_delivers_no_frame_is_never_reported_streaming()
    {
        // A damaged file or a dead stream can open and then fail on its first read: streaming means frames flow.
        var source = new ScriptedFrameSource(isLive: true, Step.Fail, Step.Fail, Step.Frame, Step.End);
        using var pipeline = CreatePipeline(source);

        await pipeline.RunAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(3, source.Opens);
        Assert.Equal(
            [SourceState.Starting, SourceState.Reconnecting, SourceState.Reconnecting, SourceState.Streaming, SourceState.Ended],
            _publisher.States);
    }

    [Fact]
    public async Task A_frame_that_fails_in_a_stage_is_counted_and_the_rest_go_on()
    {
        var source = new ScriptedFrameSource(isLive: false, ScriptedFrameSource.Frames(10));
        _segmenter.When(s => s.Run(Arg.Is<FrameContext>(f => f.Sequence == 3))).Throw(new InvalidOperationException("bad frame"));
        using var pipeline = CreatePipeline(source);

        await pipeline.RunAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(1, pipeline.Counters.StageErrors);
        Assert.Equal(9, pipeline.Counters.FramesProcessed);
        Assert.DoesNotContain(3L, _publisher.Sequences);
    }

    [Fact]
    public async Task Cancellation_stops_a_looping_source_promptly()
    {
        var source = new ScriptedFrameSource(isLive: false, ScriptedFrameSource.Frames(100_000)) { ReadDelay = TimeSpan.FromMilliseconds(1) };
        using var pipeline = CreatePipeline(source);
        using var cts = new CancellationTokenSource();
        var run = pipeline.RunAsync(cts.Token);
        await WaitWhileRunningAsync(run, () => pipeline.Counters.FramesProcessed > 0, "a first processed frame");

        await cts.CancelAsync();

        await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(source.Disposed);
    }

    [Fact]
    public async Task Cancellation_ends_stages_that_wait_on_full_channels()
    {
        // Slow inference backs every channel up: capture and preprocessing wait to write, the later stages to read.
        var source = new ScriptedFrameSource(isLive: false, ScriptedFrameSource.Frames(100_000));
        _segmenter.When(s => s.Run(Arg.Any<FrameContext>())).Do(_ => Thread.Sleep(50));
        using var pipeline = CreatePipeline(source);
        using var cts = new CancellationTokenSource();
        var run = pipeline.RunAsync(cts.Token);
        await WaitWhileRunningAsync(run, () => pipeline.Counters.FramesCaptured >= pipeline.FramePoolSize, "full channels");

        await cts.CancelAsync();

        await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(source.Disposed);
        Assert.True(pipeline.Counters.FramesCaptured < 2 * pipeline.FramePoolSize, "capture went on after the channels were full");
    }

    [Fact]
    public async Task Stage_timings_are_recorded_per_frame()
    {
        var source = new ScriptedFrameSource(isLive: false, ScriptedFrameSource.Frames(3));
        _segmenter.When(s => s.Run(Arg.Any<FrameContext>())).Do(_ => Thread.Sleep(15));
        using var pipeline = CreatePipeline(source);

        await pipeline.RunAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.All(_publisher.InferenceTimes, t => Assert.True(t >= TimeSpan.FromMilliseconds(10), $"inference time {t}"));
    }

    [Fact]
    public async Task A_backed_up_pipeline_cycles_through_exactly_its_frame_pool()
    {
        // Slow inference backs every channel up, so capture takes every free context; the benchmark's warm-up relies on it.
        var source = new ScriptedFrameSource(isLive: false, ScriptedFrameSource.Frames(40));
        var contexts = new HashSet<FrameContext>(ReferenceEqualityComparer.Instance);
        _segmenter.When(s => s.Run(Arg.Any<FrameContext>())).Do(call =>
        {
            contexts.Add(call.Arg<FrameContext>());
            Thread.Sleep(5);
        });
        using var pipeline = CreatePipeline(source);

        await pipeline.RunAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(pipeline.FramePoolSize, contexts.Count);
    }

    private CameraPipeline CreatePipeline(ScriptedFrameSource source, TimeProvider? time = null) => new(
        new CameraPipelineSettings("cam") { Backoff = new BackoffPolicy(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20)) },
        source,
        _preprocessor,
        _segmenter,
        _postprocessor,
        _publisher,
        NullLogger.Instance,
        time);

    /// <summary>The system clock, noting the due time of every timer made from it (each <c>Task.Delay</c> makes one).</summary>
    private sealed class DelayRecordingTimeProvider : TimeProvider
    {
        private readonly ConcurrentQueue<TimeSpan> _delays = new();

        public IReadOnlyCollection<TimeSpan> Delays => _delays;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _delays.Enqueue(dueTime);
            return System.CreateTimer(callback, state, dueTime, period);
        }
    }

    private sealed class RecordingPublisher : IResultPublisher
    {
        public List<long> Sequences { get; } = [];

        public List<TimeSpan> InferenceTimes { get; } = [];

        public List<SourceState> States { get; } = [];

        public ValueTask PublishAsync(FrameContext frame, CancellationToken cancellationToken)
        {
            Sequences.Add(frame.Sequence);
            InferenceTimes.Add(frame.Timings.Inference);
            return ValueTask.CompletedTask;
        }

        public ValueTask ReportSourceStateAsync(string cameraId, SourceState state, string? detail, CancellationToken cancellationToken)
        {
            lock (States)
            {
                States.Add(state);
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails if the pipeline stops first or time runs out.</summary>
    private static async Task WaitWhileRunningAsync(Task run, Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.False(run.IsCompleted, $"the pipeline stopped before {what}");
            Assert.True(DateTime.UtcNow < deadline, $"no {what} in time");
            await Task.Delay(5);
        }
    }
}
