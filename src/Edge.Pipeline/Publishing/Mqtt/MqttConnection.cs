using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// One MQTT 5 session to the broker, kept alive whatever the start order: a connect loop with capped
/// exponential backoff, a ping watchdog, the retained offline will, and the birth republished after every
/// (re)connect. Per-frame messages go through a bounded queue that drops (and counts) rather than waits;
/// summaries and statuses are published directly by their owners with <see cref="PublishAsync"/>.
/// </summary>
public sealed class MqttConnection : IAsyncDisposable
{
    private const int MaxInFlight = 8;

    private readonly MqttOptions _options;
    private readonly MqttSessionMessages _session;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ReconnectBackoff _backoff;
    private readonly Channel<OutboundMessage> _outbound;
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _connected = NewSignal();
    private volatile IMqttClient? _client;
    private volatile CancellationTokenSource? _connectionLifetime;
    private volatile string? _lastError;
    private int _state = (int)MqttConnectionState.NotStarted;
    private Task _connectLoop = Task.CompletedTask;
    private Task _sendLoop = Task.CompletedTask;

    public MqttConnection(MqttOptions options, MqttSessionMessages session, ILogger<MqttConnection> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _session = session;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _backoff = new ReconnectBackoff(options.ReconnectBackoff);
        Endpoint = $"{options.EffectiveHost}:{options.Port}";
        _outbound = Channel.CreateBounded<OutboundMessage>(
            new BoundedChannelOptions(options.OutboundQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
            },
            Drop);
    }

    /// <summary>Raised after each (re)connect, once the birth is out. Handlers must return quickly.</summary>
    public event Action? Connected;

    public string Endpoint { get; }

    public MqttConnectionState State => (MqttConnectionState)Volatile.Read(ref _state);

    public bool IsConnected => State == MqttConnectionState.Connected;

    /// <summary>Why the last attempt failed or the connection was lost; null while connected.</summary>
    public string? LastError => _lastError;

    public MqttCounters Counters { get; } = new();

    /// <summary>Per-frame messages waiting in the bounded queue to be sent (for metrics).</summary>
    public int QueuedMessages => _outbound.Reader.Count;

    /// <summary>Starts the connect loop and returns at once: an absent broker is retried in the background.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, (int)MqttConnectionState.Connecting, (int)MqttConnectionState.NotStarted)
            != (int)MqttConnectionState.NotStarted)
        {
            throw new InvalidOperationException("The MQTT connection was already started.");
        }

        MqttLog.Starting(_logger, Endpoint, _options.EffectiveClientId, _options.Username ?? "(anonymous)",
            MqttSecrets.DescribePasswordSource(_options), _options.Tls.Enabled);
        if (_options.Tls is { Enabled: true, AllowUntrusted: true })
        {
            MqttLog.AllowUntrusted(_logger);
        }

        var stopping = _stopping.Token;
        _connectLoop = Task.Run(() => RunConnectLoopAsync(stopping), CancellationToken.None);
        _sendLoop = Task.Run(RunSendLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Completes when the session is up (birth published).</summary>
    public Task WaitUntilConnectedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _connected.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Queues a per-frame message. Never waits: while disconnected the message is dropped, and a full queue
    /// drops its oldest message; both are counted. The message is returned to its pool in every case.
    /// </summary>
    public void Enqueue(OutboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!IsConnected || !_outbound.Writer.TryWrite(message))
        {
            Drop(message);
        }
    }

    /// <summary>Counts a per-frame message that was not even built because there is no connection.</summary>
    public void CountDrop(MessageKind kind, IDropCounter? owner)
    {
        Counters.CountDropped(kind);
        owner?.CountDrop(kind);
    }

    /// <summary>Publishes one message now and waits for its acknowledgement (QoS 1) or its sending (QoS 0).</summary>
    /// <exception cref="InvalidOperationException">There is no connection.</exception>
    public async Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, MessageKind kind, CancellationToken cancellationToken)
    {
        var client = _client;
        var lifetime = _connectionLifetime;
        if (client is null || lifetime is null || !IsConnected)
        {
            throw new InvalidOperationException($"Not connected to the MQTT broker at {Endpoint}.");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.Token);
        linked.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        var result = await client.PublishAsync(message, linked.Token).ConfigureAwait(false);
        if (result.IsSuccess)
        {
            Counters.CountPublished(kind);
        }

        return result;
    }

    /// <summary>
    /// Stops reconnecting, drops what is still queued, publishes <paramref name="finalStatus"/> (retained) on the
    /// status topic when connected, and disconnects cleanly so the broker discards the will.
    /// </summary>
    public async Task StopAsync(ReadOnlyMemory<byte> finalStatus, CancellationToken cancellationToken)
    {
        if (State is MqttConnectionState.Stopped or MqttConnectionState.NotStarted)
        {
            Volatile.Write(ref _state, (int)MqttConnectionState.Stopped);
            return;
        }

        var wasConnected = IsConnected;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _connectLoop.ConfigureAwait(false);
        _outbound.Writer.TryComplete();
        await _sendLoop.ConfigureAwait(false);
        await WaitForInFlightAsync(cancellationToken).ConfigureAwait(false);

        var client = _client;
        if (client is not null && wasConnected && client.IsConnected)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
                await client.PublishAsync(StatusMessage(finalStatus), timeout.Token).ConfigureAwait(false);
                Counters.CountPublished(MessageKind.Status);
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token)
                    .ConfigureAwait(false);
                MqttLog.StoppedCleanly(_logger, Endpoint);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                MqttLog.OfflineNotPublished(_logger, MqttFailureDescriber.Describe(exception, Endpoint, _options));
            }
        }

        ReleaseClient();
        Volatile.Write(ref _state, (int)MqttConnectionState.Stopped);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(_session.Will, CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
        _inFlight.Dispose();
    }

    /// <summary>Closes the socket without DISCONNECT, as a crash would (the broker then sends the will).</summary>
    internal void AbortConnection()
    {
        _connectionLifetime?.Cancel();
        _client?.Dispose();
    }

    private async Task RunConnectLoopAsync(CancellationToken stopping)
    {
        var attempt = 0;
        string? previousFailure = null;
        while (!stopping.IsCancellationRequested)
        {
            SetState(MqttConnectionState.Connecting);
            var client = new MqttClientFactory().CreateMqttClient();
            var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.DisconnectedAsync += e =>
            {
                lost.TrySetResult(e.ReasonString ?? e.Exception?.GetBaseException().Message ?? e.Reason.ToString());
                return Task.CompletedTask;
            };

            TimeSpan delay;
            var failure = await TryConnectAsync(client, stopping).ConfigureAwait(false);
            if (failure is null)
            {
                MqttLog.Connected(_logger, Endpoint, attempt + 1, _session.StatusTopic);
                attempt = 0;
                previousFailure = null;
                await StayConnectedAsync(client, lost.Task, stopping).ConfigureAwait(false);
                if (stopping.IsCancellationRequested)
                {
                    return; // StopAsync says goodbye on this client.
                }

                // A short pause even after a loss, so a broker that accepts and drops at once is not hammered.
                delay = _backoff.Delay(0);
            }
            else
            {
                client.Dispose();
                Counters.CountFailedAttempt();
                _lastError = failure;
                delay = _backoff.Delay(attempt);
                if (!string.Equals(failure, previousFailure, StringComparison.Ordinal))
                {
                    // A new cause is worth a warning; the same cause again only at debug level.
                    previousFailure = failure;
                    MqttLog.ConnectFailed(_logger, failure, (long)delay.TotalMilliseconds);
                }
                else
                {
                    MqttLog.ConnectStillFailing(_logger, attempt + 1, failure, (long)delay.TotalMilliseconds);
                }

                attempt++;
            }

            SetState(MqttConnectionState.WaitingToReconnect);
            try
            {
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Connects and publishes the birth; returns why it failed, or null when the session is up.</summary>
    private async Task<string?> TryConnectAsync(IMqttClient client, CancellationToken stopping)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
            var result = await client.ConnectAsync(MqttClientOptionsFactory.Create(_options, _session), timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return MqttFailureDescriber.Describe(result.ResultCode, Endpoint);
            }

            await client.PublishAsync(StatusMessage(_session.Birth), timeout.Token).ConfigureAwait(false);
            Counters.CountPublished(MessageKind.Status);
            return null;
        }
        catch (Exception exception)
        {
            return stopping.IsCancellationRequested ? "stopping" : MqttFailureDescriber.Describe(exception, Endpoint, _options);
        }
    }

    /// <summary>Holds the session open until the broker goes away, a ping goes unanswered, or we stop.</summary>
    private async Task StayConnectedAsync(IMqttClient client, Task<string> lost, CancellationToken stopping)
    {
        var lifetime = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        lock (_gate)
        {
            _client = client;
            _connectionLifetime = lifetime;
            _lastError = null;
            SetState(MqttConnectionState.Connected);
            Counters.CountConnect();
            _connected.TrySetResult();
        }

        Connected?.Invoke();
        var reason = await WatchAsync(client, lost, lifetime.Token).ConfigureAwait(false);
        if (stopping.IsCancellationRequested)
        {
            return;
        }

        lock (_gate)
        {
            SetState(MqttConnectionState.WaitingToReconnect);
            _connected = NewSignal();
            _lastError = $"connection lost: {reason}";
        }

        Counters.CountConnectionLoss();
        MqttLog.ConnectionLost(_logger, Endpoint, reason);
        ReleaseClient();
    }

    /// <summary>Pings once per keep-alive period, so a half-open connection is noticed even while we keep sending.</summary>
    private async Task<string> WatchAsync(IMqttClient client, Task<string> lost, CancellationToken lifetime)
    {
        var period = TimeSpan.FromSeconds(_options.KeepAliveSeconds);
        while (!lifetime.IsCancellationRequested)
        {
            var tick = Task.Delay(period, _time, lifetime);
            if (await Task.WhenAny(lost, tick).ConfigureAwait(false) == lost)
            {
                return await lost.ConfigureAwait(false);
            }

            if (lifetime.IsCancellationRequested)
            {
                break;
            }

            using var pingTimeout = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
            pingTimeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
            if (!await client.TryPingAsync(pingTimeout.Token).ConfigureAwait(false) && !lifetime.IsCancellationRequested)
            {
                if (lost.IsCompleted)
                {
                    return await lost.ConfigureAwait(false);
                }

                MqttLog.PingUnanswered(_logger, Endpoint, _options.TimeoutSeconds);
                return "no answer to ping";
            }
        }

        return lost.IsCompleted ? await lost.ConfigureAwait(false) : "aborted";
    }

    private async Task RunSendLoopAsync()
    {
        var reader = _outbound.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                var client = _client;
                var lifetime = _connectionLifetime;
                if (client is null || lifetime is null || !IsConnected || _stopping.IsCancellationRequested)
                {
                    Drop(message);
                    continue;
                }

                await _inFlight.WaitAsync().ConfigureAwait(false);
                _ = SendAsync(client, message, lifetime.Token);
            }
        }
    }

    private async Task SendAsync(IMqttClient client, OutboundMessage message, CancellationToken lifetime)
    {
        var kind = message.Kind;
        var owner = message.Owner;
        var delivered = false;
        try
        {
            var result = await client.PublishAsync(message.Message, lifetime).ConfigureAwait(false);
            delivered = result.IsSuccess;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Counted below: per-frame messages are never retried.
        }
        finally
        {
            message.Return();
            _inFlight.Release();
        }

        if (delivered)
        {
            Counters.CountPublished(kind);
        }
        else
        {
            CountDrop(kind, owner);
        }
    }

    private async Task WaitForInFlightAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        var acquired = 0;
        try
        {
            for (; acquired < MaxInFlight; acquired++)
            {
                await _inFlight.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Publishes still stuck after the timeout are abandoned with their connection.
        }
        finally
        {
            if (acquired > 0)
            {
                _inFlight.Release(acquired);
            }
        }
    }

    private void Drop(OutboundMessage message)
    {
        CountDrop(message.Kind, message.Owner);
        message.Return();
    }

    private void ReleaseClient()
    {
        IMqttClient? client;
        CancellationTokenSource? lifetime;
        lock (_gate)
        {
            client = _client;
            lifetime = _connectionLifetime;
            _client = null;
            _connectionLifetime = null;
        }

        lifetime?.Cancel();
        lifetime?.Dispose();
        client?.Dispose();
    }

    private MqttApplicationMessage StatusMessage(ReadOnlyMemory<byte> payload) => new MqttApplicationMessageBuilder()
        .WithTopic(_session.StatusTopic)
        .WithPayloadSegment(payload)
        .WithRetainFlag()
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .WithContentType("application/json")
        .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
        .Build();

    private void SetState(MqttConnectionState state) => Volatile.Write(ref _state, (int)state);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
