using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using SegMan.Edge.Agent.Configuration;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Agent.Http;
using SegMan.Edge.Agent.Metrics;
using SegMan.Edge.Agent.Tests.Http;
using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Agent.Tests.Metrics;

/// <summary>The per-frame instruments: what they record and that recording costs no allocation.</summary>
/// <remarks>
/// In the live agent's collection, not beside it: its exporter listens to every meter named SegMan.Edge in the process,
/// so instruments made here would show up in that agent's /metrics while both run.
/// </remarks>
[Collection(LiveAgentCollection.Name)]
public sealed class EdgeMetricsTests : IAsyncDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ModelRuntime _model = new(Options.Create(new InferenceOptions { Path = "unused.onnx" }), NullLoggerFactory.Instance);
    private readonly MqttResultPublisher _publisher;
    private readonly LiveFrames _live;
    private readonly ManualTimeProvider _time = new();
    private readonly EdgeMetrics _metrics;

    public EdgeMetricsTests()
    {
        _publisher = new MqttResultPublisher(new MqttOptions(), new DeviceDescription { Version = "test", ModelName = "test", Cameras = ["front"] }, NullLoggerFactory.Instance);
        var agent = new AgentOptions { Cameras = [new CameraOptions { Id = "front", Source = "front.mp4" }] };
        _live = new LiveFrames(Options.Create(agent), Options.Create(new HttpOptions()), Options.Create(new MaskOptions()), _model);
        _metrics = new EdgeMetrics(_services.GetRequiredService<IMeterFactory>(), new PipelineRegistry(), _live, _publisher, _time);
    }

    [Fact]
    public void A_frame_records_each_stage_and_the_latency_with_its_camera()
    {
        var recorded = new List<(string Instrument, double Value, string Tags)>();
        using var listener = Listen((instrument, value, tags, _) =>
            recorded.Add((instrument.Name, value, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")))));
        using var frame = TestFrames.Create("front");
        frame.CapturedAt = _time.GetUtcNow() - TimeSpan.FromMilliseconds(40);

        _metrics.OnFrame(frame);

        Assert.Equal(
        [
            ("segman.camera.stage.duration", 0.003, "camera=front,stage=capture"),
            ("segman.camera.stage.duration", 0.001, "camera=front,stage=preprocess"),
            ("segman.camera.stage.duration", 0.020, "camera=front,stage=inference"),
            ("segman.camera.stage.duration", 0.002, "camera=front,stage=postprocess"),
            ("segman.camera.latency", 0.040, "camera=front"),
        ], recorded.Select(r => (r.Instrument, Math.Round(r.Value, 6), r.Tags)));
    }

    [Fact]
    public void Recording_a_frame_allocates_nothing()
    {
        var total = 0.0;
        using var listener = Listen((_, value, _, _) => total += value);
        using var frame = TestFrames.Create("front");
        RecordFrames(frame, 1000); // warm-up: first-use state of the instruments and of every listener in the process

        var allocated = RecordFrames(frame, 1000);

        Assert.Equal(0, allocated);
        Assert.True(total > 0);
    }

    // Optimised from the first call: a tier-0 loop is replaced by its optimised version while it runs (on-stack
    // replacement), and what the runtime does for that on this thread is not the code under test.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private long RecordFrames(Pipeline.Running.FrameContext frame, int count)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < count; i++)
        {
            _metrics.OnFrame(frame);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public async Task The_observed_publisher_shows_the_frame_then_forwards_it()
    {
        var calls = new List<string>();
        var inner = Substitute.For<IResultPublisher>();
        inner.PublishAsync(default!, default).ReturnsForAnyArgs(_ => { calls.Add("publish"); return ValueTask.CompletedTask; });
        inner.ReportSourceStateAsync(default!, default, default, default).ReturnsForAnyArgs(_ => { calls.Add("state"); return ValueTask.CompletedTask; });
        inner.ReportFrameErrorAsync(default!, default!, default).ReturnsForAnyArgs(_ => { calls.Add("error"); return ValueTask.CompletedTask; });
        var observed = new ObservedResultPublisher(inner, [new RecordingObserver(calls), new RecordingObserver(calls)]);
        using var frame = TestFrames.Create("front");

        await observed.PublishAsync(frame, CancellationToken.None);
        await observed.ReportSourceStateAsync("front", SourceState.Streaming, "front.mp4", CancellationToken.None);
        await observed.ReportFrameErrorAsync("front", "Infer", CancellationToken.None);

        Assert.Equal(["saw front", "saw front", "publish", "front streaming", "front streaming", "state", "error"], calls);
        await inner.Received(1).PublishAsync(frame, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _publisher.DisposeAsync();
        _live.Dispose();
        _model.Dispose();
        await _services.DisposeAsync();
    }

    // Only this test's meter: other instances of the SegMan.Edge meter may be recording in this process.
    private MeterListener Listen(MeasurementCallback<double> callback)
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Meter.Name == EdgeMetrics.MeterName && instrument is Histogram<double>)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback(callback);
        listener.Start();
        return listener;
    }

    private sealed class RecordingObserver(List<string> calls) : IFrameObserver
    {
        public void OnFrame(Pipeline.Running.FrameContext frame) => calls.Add($"saw {frame.CameraId}");

        public void OnSourceState(string cameraId, SourceState state, string? detail) => calls.Add($"{cameraId} {state.ToString().ToLowerInvariant()}");
    }
}
