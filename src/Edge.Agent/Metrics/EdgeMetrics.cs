using System.Diagnostics.Metrics;
using SegMan.Edge.Agent.Hosting;
using SegMan.Edge.Agent.Http;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Publishing.Mqtt;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent.Metrics;

/// <summary>
/// The agent's instruments on the <c>SegMan.Edge</c> meter. Stage and end-to-end latencies are histograms recorded per
/// frame on the publish stage (no allocation; nearly free while nothing listens); everything else is observed when
/// metrics are collected: camera counters from the running pipelines, fps and frame age from the live slots, and the
/// MQTT publisher's totals, queue and spool. Exported by <c>/metrics</c> (see README.md beside this file).
/// </summary>
internal sealed class EdgeMetrics : IFrameObserver
{
    public const string MeterName = "SegMan.Edge";

    // Seconds: a fast GPU stage takes about a millisecond, a CPU model on a small board can take a second.
    private static readonly double[] LatencyBuckets = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

    private readonly Histogram<double> _stageDuration;
    private readonly Histogram<double> _latency;
    private readonly TimeProvider _time;

    public EdgeMetrics(IMeterFactory meterFactory, PipelineRegistry pipelines, LiveFrames live, MqttResultPublisher publisher, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _time = time ?? TimeProvider.System;
        var meter = meterFactory.Create(MeterName, AgentServiceCollectionExtensions.Version);
        var buckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets };

        _stageDuration = meter.CreateHistogram("segman.camera.stage.duration", "s",
            "Time one frame spent in a stage: capture (reading, including waiting for the source), preprocess, inference, postprocess.", advice: buckets);
        _latency = meter.CreateHistogram("segman.camera.latency", "s",
            "Time from the end of capture until the frame's results are handed to the publisher.", advice: buckets);

        meter.CreateObservableCounter("segman.camera.frames.captured", () => PerCamera(pipelines, c => c.FramesCaptured), "{frame}",
            "Frames read from the source.");
        meter.CreateObservableCounter("segman.camera.frames.processed", () => PerCamera(pipelines, c => c.FramesProcessed), "{frame}",
            "Frames that went through every stage and were published.");
        meter.CreateObservableCounter("segman.camera.frames.dropped", () => PerCamera(pipelines, c => c.FramesDropped), "{frame}",
            "Frames a live source dropped (oldest first) because the pipeline was behind.");
        meter.CreateObservableCounter("segman.camera.errors", () => PerCamera(pipelines, c => c.StageErrors), "{frame}",
            "Frames that failed in a stage and were skipped.");
        meter.CreateObservableCounter("segman.camera.reconnects", () => PerCamera(pipelines, c => c.Reconnects), "{reconnect}",
            "Times the source failed and was reopened.");
        meter.CreateObservableGauge("segman.camera.fps", () => PerSlot(live, s => s.Fps), unit: null,
            "Processed frames per second over the last two seconds.");
        meter.CreateObservableGauge("segman.camera.frame.age", () => PerSlot(live, s => s.FrameAge?.TotalSeconds ?? double.NaN), "s",
            "Time since the camera's last processed frame.");

        meter.CreateObservableGauge("segman.mqtt.connected", () => publisher.Connection.IsConnected ? 1 : 0, "1",
            "1 while the MQTT session is up.");
        meter.CreateObservableGauge("segman.mqtt.queue.depth", () => publisher.Connection.QueuedMessages, "{message}",
            "Per-frame messages (stats, masks) waiting to be sent.");
        meter.CreateObservableCounter("segman.mqtt.messages.published", () => PerKind(publisher, published: true), "{message}",
            "Messages the broker accepted, by kind.");
        meter.CreateObservableCounter("segman.mqtt.messages.dropped", () => PerKind(publisher, published: false), "{message}",
            "Messages dropped (no connection, full queue, spool full), by kind.");
        meter.CreateObservableCounter("segman.mqtt.connects", () => publisher.Connection.Counters.Connects, "{connect}",
            "Successful (re)connects to the broker.");
        meter.CreateObservableCounter("segman.mqtt.connection.losses", () => publisher.Connection.Counters.ConnectionLosses, "{loss}",
            "Times an established session was lost.");
        meter.CreateObservableGauge("segman.mqtt.spool.items", () => publisher.Spool?.Count ?? 0, "{summary}",
            "Summaries kept on disk until the broker takes them.");
        meter.CreateObservableGauge("segman.mqtt.spool.size", () => publisher.Spool?.Bytes ?? 0, "By",
            "Bytes the summary spool takes on disk.");
    }

    public void OnFrame(FrameContext frame)
    {
        if (!_stageDuration.Enabled)
        {
            return;
        }

        var camera = new KeyValuePair<string, object?>("camera", frame.CameraId);
        var timings = frame.Timings;
        _stageDuration.Record(timings.Capture.TotalSeconds, camera, Stage("capture"));
        _stageDuration.Record(timings.Preprocess.TotalSeconds, camera, Stage("preprocess"));
        _stageDuration.Record(timings.Inference.TotalSeconds, camera, Stage("inference"));
        _stageDuration.Record(timings.Postprocess.TotalSeconds, camera, Stage("postprocess"));
        _latency.Record((_time.GetUtcNow() - frame.CapturedAt).TotalSeconds, camera);
    }

    public void OnSourceState(string cameraId, SourceState state, string? detail)
    {
    }

    private static KeyValuePair<string, object?> Stage(string name) => new("stage", name);

    private static IEnumerable<Measurement<long>> PerCamera(PipelineRegistry pipelines, Func<CameraCounters, long> read) =>
        pipelines.Snapshot().Select(p => new Measurement<long>(read(p.Counters), new KeyValuePair<string, object?>("camera", p.CameraId)));

    private static IEnumerable<Measurement<double>> PerSlot(LiveFrames live, Func<LiveCameraState, double> read) =>
        live.CameraIds
            .Select(id => live.Find(id)?.GetState())
            .Where(state => state is { Sequence: >= 0 })
            .Select(state => new Measurement<double>(read(state!), new KeyValuePair<string, object?>("camera", state!.CameraId)));

    private static IEnumerable<Measurement<long>> PerKind(MqttResultPublisher publisher, bool published)
    {
        var totals = publisher.GetMetrics();
        var status = publisher.Connection.Counters;
        return published
            ? [Kind(totals.StatsPublished, "stats"), Kind(totals.MasksPublished, "mask"), Kind(totals.SummariesPublished, "summary"), Kind(totals.StatusesPublished, "status")]
            : [Kind(totals.StatsDropped, "stats"), Kind(totals.MasksDropped, "mask"), Kind(totals.SummariesDropped, "summary"), Kind(status.Dropped(MessageKind.Status), "status")];
    }

    private static Measurement<long> Kind(long value, string kind) => new(value, new KeyValuePair<string, object?>("kind", kind));
}
