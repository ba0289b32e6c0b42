using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using SegMan.Edge.Pipeline.Publishing.Payloads;
using SegMan.Edge.Pipeline.Publishing.Spool;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// Publishes results over MQTT following the contract in Publishing/README.md: per-frame stats (QoS 1, with
/// expiry) and masks (QoS 0) through a bounded drop-and-count queue; summaries every
/// <see cref="MqttOptions.SummaryIntervalSeconds"/> through the on-disk spool (QoS 1, in order, kept while the
/// broker is away); retained device and camera statuses, republished after every reconnect.
/// </summary>
public sealed class MqttResultPublisher : IResultPublisher, IAsyncDisposable
{
    private readonly MqttOptions _options;
    private readonly DeviceDescription _device;
    private readonly DateTimeOffset _startedAt;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _deviceId;
    private readonly string _deviceRoot;
    private readonly ClassNames _classNames;
    private readonly ConcurrentDictionary<string, CameraPublishState> _cameras = new(StringComparer.Ordinal);
    private readonly OutboundMessagePool _statsPool;
    private readonly OutboundMessagePool _maskPool;
    private readonly SemaphoreSlim _statusWake = new(0, 1);
    private readonly Lock _summaryGate = new();
    private readonly ArrayBufferWriter<byte> _summaryBuffer = new(4096);
    private readonly Utf8JsonWriter _summaryWriter;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _stopForwarding = new();
    private SummarySpool? _spool;
    private SpoolForwarder? _forwarder;
    private Task _loops = Task.CompletedTask;
    private Task _forwarding = Task.CompletedTask;
    private int _started;

    public MqttResultPublisher(MqttOptions options, DeviceDescription device, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _device = device;
        _logger = loggerFactory.CreateLogger<MqttResultPublisher>();
        _time = timeProvider ?? TimeProvider.System;
        _deviceId = TopicNames.Sanitize(options.DeviceId);
        _deviceRoot = TopicNames.DeviceRoot(options.TopicPrefix, options.DeviceId);
        _classNames = new ClassNames(device.Classes);
        _statsPool = new OutboundMessagePool(options.OutboundQueueCapacity + 16, 1024);
        _maskPool = new OutboundMessagePool(options.OutboundQueueCapacity + 16, 16 * 1024);
        _summaryWriter = new Utf8JsonWriter(_summaryBuffer);

        _startedAt = _time.GetUtcNow();
        var session = new MqttSessionMessages(
            TopicNames.DeviceStatus(_deviceRoot),
            BirthOf(device),
            StatusPayloads.Offline(_deviceId, "lost", at: null));
        Connection = new MqttConnection(options, session, loggerFactory.CreateLogger<MqttConnection>(), _time);
        Connection.Connected += OnConnected;
    }

    public MqttConnection Connection { get; }

    /// <summary>The device status topic, birth and will.</summary>
    public MqttSessionMessages Session => Connection.Session;

    /// <summary>
    /// The configured cameras changed while the agent runs: the birth (retained on the status topic) lists the new
    /// ones from now on, and is published again at once when connected.
    /// </summary>
    public Task UpdateCamerasAsync(IReadOnlyList<string> cameras, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        return Connection.UpdateBirthAsync(BirthOf(_device with { Cameras = cameras }), cancellationToken);
    }

    // Registers the device's cameras (their topics and counters) and makes the birth that lists them.
    private byte[] BirthOf(DeviceDescription device)
    {
        foreach (var camera in device.Cameras)
        {
            GetCamera(camera);
        }

        return StatusPayloads.Birth(device, _deviceId, [.. device.Cameras.Select(TopicNames.Sanitize)], _startedAt);
    }

    /// <summary>The spool, once started.</summary>
    public SummarySpool? Spool => _spool;

    /// <summary>Opens the spool (pending summaries go first) and starts connecting; an absent broker is not an error.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The MQTT publisher was already started.");
        }

        try
        {
            _spool = SummarySpool.Open(_options.Spool.Path, _options.Spool.MaxBytes, _logger);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"{MqttOptions.SectionName}:Spool:Path '{_options.Spool.Path}' cannot be used ({exception.Message}): set it to a folder this service can write.",
                exception);
        }

        _spool.DroppedForSpace += CountSummaryDrop;
        _forwarder = new SpoolForwarder(_spool, Connection, _logger, CountSummaryDrop);
        await Connection.StartAsync(cancellationToken).ConfigureAwait(false);

        var forwarder = _forwarder;
        var stopForwarding = _stopForwarding.Token;
        _forwarding = Task.Run(() => forwarder.RunAsync(stopForwarding), CancellationToken.None);
        var stopping = _stopping.Token;
        _loops = Task.WhenAll(
            Task.Run(() => RunSummaryTimerAsync(stopping), CancellationToken.None),
            Task.Run(() => RunStatusLoopAsync(stopping), CancellationToken.None));
    }

    /// <summary>
    /// Closes the current summary windows into the spool, gives the spool a moment to drain, publishes the
    /// retained offline status and disconnects. Undelivered summaries stay on disk for the next start.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 2) != 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loops.ConfigureAwait(false);
        CloseSummaryWindows();
        if (_forwarder is { } forwarder)
        {
            await forwarder.WaitUntilEmptyAsync(TimeSpan.FromSeconds(_options.TimeoutSeconds), cancellationToken).ConfigureAwait(false);
        }

        await _stopForwarding.CancelAsync().ConfigureAwait(false);
        await _forwarding.ConfigureAwait(false);
        var offline = StatusPayloads.Offline(_deviceId, "stopped", _time.GetUtcNow());
        await Connection.StopAsync(offline, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
        _forwarder?.Dispose();
        _statusWake.Dispose();
        _stopping.Dispose();
        _stopForwarding.Dispose();
        await _summaryWriter.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Aggregates the frame and queues its stats (when due) and mask (when present); never waits on the network.</summary>
    public ValueTask PublishAsync(FrameContext frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var camera = GetCamera(frame.CameraId);
        lock (camera.Gate)
        {
            camera.Aggregator.AddFrame(frame.DroppedFrames, frame.Timings, frame.ClassFractions);
            if (camera.IsStatsDue(_options.StatsEveryNFrames))
            {
                QueueStats(camera, frame);
            }

            if (frame.Mask.IsPresent)
            {
                QueueMask(camera, frame);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask ReportSourceStateAsync(string cameraId, SourceState state, string? detail, CancellationToken cancellationToken)
    {
        var camera = GetCamera(cameraId);
        var now = _time.GetUtcNow();
        lock (camera.Gate)
        {
            switch (state)
            {
                case SourceState.Reconnecting or SourceState.Ended or SourceState.Failed:
                    camera.Aggregator.SourceDown(now);
                    break;
                case SourceState.Streaming:
                    camera.Aggregator.SourceUp(now);
                    break;
            }
        }

        camera.SetStatus(StatusPayloads.Camera(camera.Topics.CameraId, state, detail, now));
        Wake(_statusWake);
        return ValueTask.CompletedTask;
    }

    public ValueTask ReportFrameErrorAsync(string cameraId, string stage, CancellationToken cancellationToken)
    {
        var camera = GetCamera(cameraId);
        lock (camera.Gate)
        {
            camera.Aggregator.AddError();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Running totals for metrics and health.</summary>
    public MqttPublisherMetrics GetMetrics()
    {
        var counters = Connection.Counters;
        return new MqttPublisherMetrics(
            Connection.State,
            Connection.LastError,
            counters.Connects,
            counters.ConnectionLosses,
            counters.FailedAttempts,
            counters.Published(MessageKind.Stats),
            counters.Published(MessageKind.Mask),
            counters.Published(MessageKind.Summary),
            counters.Published(MessageKind.Status),
            counters.Dropped(MessageKind.Stats),
            counters.Dropped(MessageKind.Mask),
            counters.Dropped(MessageKind.Summary) + (_spool?.TotalDroppedForSpace ?? 0),
            _spool?.TotalAppended ?? 0,
            _spool?.Count ?? 0,
            _spool?.Bytes ?? 0,
            _spool?.TotalDamagedSkipped ?? 0);
    }

    /// <summary>Ends every camera's summary window now and writes the summaries to the spool.</summary>
    internal void CloseSummaryWindows()
    {
        var spool = _spool;
        if (spool is null)
        {
            return;
        }

        var end = _time.GetUtcNow();
        foreach (var camera in _cameras.Values)
        {
            lock (_summaryGate)
            {
                lock (camera.Gate)
                {
                    camera.Aggregator.Close(end, camera.Window);
                }

                camera.TakeDrops(camera.Window);
                _summaryBuffer.ResetWrittenCount();
                _summaryWriter.Reset(_summaryBuffer);
                SummaryPayloadWriter.Write(_summaryWriter, camera.EncodedId, camera.Window, _classNames);
                try
                {
                    spool.Append(camera.Topics.Summary, _summaryBuffer.WrittenSpan);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    MqttLog.SummaryNotSpooled(_logger, exception, camera.Topics.CameraId);
                    Connection.Counters.CountDropped(MessageKind.Summary);
                    camera.CountDrop(MessageKind.Summary);
                }
            }
        }

        _forwarder?.Notify();
    }

    /// <summary>Abandons the connection like a crash would (no DISCONNECT, so the broker publishes the will).</summary>
    internal void AbortConnection() => Connection.AbortConnection();

    private void QueueStats(CameraPublishState camera, FrameContext frame)
    {
        if (!Connection.IsConnected)
        {
            Connection.CountDrop(MessageKind.Stats, camera);
            return;
        }

        var outbound = _statsPool.Rent();
        outbound.Kind = MessageKind.Stats;
        outbound.Owner = camera;
        camera.Writer.Reset(outbound.Payload);
        StatsPayloadWriter.Write(camera.Writer, camera.EncodedId, frame, _classNames);
        var message = outbound.Message;
        message.Topic = camera.Topics.Stats;
        message.QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce;
        message.ContentType = "application/json";
        message.PayloadFormatIndicator = MqttPayloadFormatIndicator.CharacterData;
        message.MessageExpiryInterval = (uint)_options.StatsExpirySeconds;
        outbound.Seal();
        Connection.Enqueue(outbound);
    }

    private void QueueMask(CameraPublishState camera, FrameContext frame)
    {
        if (!Connection.IsConnected)
        {
            Connection.CountDrop(MessageKind.Mask, camera);
            return;
        }

        var mask = frame.Mask;
        var outbound = _maskPool.Rent();
        outbound.Kind = MessageKind.Mask;
        outbound.Owner = camera;
        outbound.Payload.Write(mask.Buffer.WrittenSpan);
        var message = outbound.Message;
        message.Topic = camera.Topics.Mask;
        message.QualityOfServiceLevel = MqttQualityOfServiceLevel.AtMostOnce;
        message.ContentType = mask.ContentType;
        message.PayloadFormatIndicator = MqttPayloadFormatIndicator.Unspecified;
        camera.AddMaskProperties(outbound, mask, frame.Sequence);
        outbound.Seal();
        Connection.Enqueue(outbound);
    }

    private async Task RunSummaryTimerAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.SummaryIntervalSeconds), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                CloseSummaryWindows();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: StopAsync closes the last window itself.
        }
    }

    private async Task RunStatusLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _statusWake.WaitAsync(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(false);
                if (!Connection.IsConnected)
                {
                    continue;
                }

                foreach (var camera in _cameras.Values)
                {
                    if (camera.TakeDirtyStatus() is { } payload)
                    {
                        await PublishCameraStatusAsync(camera, payload, stopping).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task PublishCameraStatusAsync(CameraPublishState camera, byte[] payload, CancellationToken stopping)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(camera.Topics.Status)
            .WithPayload(payload)
            .WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType("application/json")
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .Build();
        try
        {
            await Connection.PublishAsync(message, MessageKind.Status, stopping).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // The latest status goes out again after the next reconnect.
            camera.MarkStatusDirty();
            MqttLog.CameraStatusFailed(_logger, camera.Topics.CameraId, exception.GetBaseException().Message);
        }
    }

    private void OnConnected()
    {
        foreach (var camera in _cameras.Values)
        {
            camera.MarkStatusDirty();
        }

        Wake(_statusWake);
        _forwarder?.Notify();
    }

    private void CountSummaryDrop(string summaryTopic)
    {
        foreach (var camera in _cameras.Values)
        {
            if (string.Equals(camera.Topics.Summary, summaryTopic, StringComparison.Ordinal))
            {
                camera.CountDrop(MessageKind.Summary);
                return;
            }
        }
    }

    private CameraPublishState GetCamera(string cameraId)
    {
        ArgumentNullException.ThrowIfNull(cameraId);
        return _cameras.TryGetValue(cameraId, out var camera)
            ? camera
            : _cameras.GetOrAdd(cameraId, static (id, self) => self.CreateCamera(id), this);
    }

    private CameraPublishState CreateCamera(string cameraId) =>
        new(CameraTopics.Create(_deviceRoot, cameraId), _classNames.DeclaredCount, _time.GetUtcNow());

    private static void Wake(SemaphoreSlim signal)
    {
        try
        {
            if (signal.CurrentCount == 0)
            {
                signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }
}
