using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using Microsoft.Extensions.Logging;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// One MQTT 5 session to the broker, kept alive whatever the start order: a connect loop with capped
/// exponential backoff, a ping watchdog, the retained offline will, and the birth republished after every
/// (re)connect. Per-frame messages go through a bounded queue that drops (and counts) rather than waits;
/// summaries and statuses are published directly by their owners with <see cref="PublishAsync(MqttApplicationMessage, MessageKind, CancellationToken)"/>.
/// A publish whose outcome stays unknown (no PUBACK within <see cref="MqttOptions.TimeoutSeconds"/>, or a failure
/// while sending) ends its session, as an unanswered ping does: the broker may still deliver it, so it is sent
/// again only on the next session, never twice on one.
/// </summary>
public sealed class MqttConnection : IAsyncDisposable, ISessionPublisher
{
    private const int MaxInFlight = 8;

    private readonly MqttOptions _options;
    private volatile MqttSessionMessages _session;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly BackoffPolicy _backoff;
    private readonly Channel<OutboundMessage> _outbound;
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _connected = NewSignal();
    private TaskCompletionSource _nextSession = NewSignal();
    private volatile ActiveSession? _active;
    private long _sessionCount;
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
        _backoff = options.ReconnectBackoff.ToPolicy();
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

    /// <inheritdoc />
    public async Task<long> WaitForSessionAsync(long after, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task next;
            lock (_gate)
            {
                if (_active is { } active && active.Number > after && !active.Lifetime.IsCancellationRequested)
                {
                    return active.Number;
                }

                next = _nextSession.Task;
            }

            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Publishes one message now on the current session and waits for its acknowledgement (QoS 1) or its
    /// sending (QoS 0). If the outcome stays unknown, the session is ended (see the class remarks).
    /// </summary>
    /// <exception cref="InvalidOperationException">There is no connection.</exception>
    public Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, MessageKind kind, CancellationToken cancellationToken) =>
        PublishAsync(_active?.Number ?? 0, message, kind, cancellationToken);

    /// <inheritdoc />
    public async Task<MqttClientPublishResult> PublishAsync(long session, MqttApplicationMessage message, MessageKind kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var active = _active;
        if (active is null || active.Number != session || active.Lifetime.IsCancellationRequested || !IsConnected)
        {
            throw new InvalidOperationException($"Not connected to the MQTT broker at {Endpoint} (session {session} is over).");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, active.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        MqttClientPublishResult result;
        try
        {
            result = await active.Client.PublishAsync(message, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is not OutOfMemoryException)
        {
            // Sent or not, acknowledged or not: only a new session makes sending it again safe.
            var reason = timeout.IsCancellationRequested && !active.Lifetime.IsCancellationRequested
                ? $"no PUBACK within {_options.TimeoutSeconds} s"
                : $"publish failed: {exception.GetBaseException().Message}";
            if (EndSession(active, reason))
            {
                MqttLog.PublishUnconfirmed(_logger, Endpoint, message.Topic, reason);
            }

            throw;
        }

        if (result.IsSuccess)
        {
            Counters.CountPublished(kind);
        }

        return result;
    }

    /// <summary>The status topic, birth (as last replaced) and will this connection connects with.</summary>
    public MqttSessionMessages Session => _session;

    /// <summary>
    /// Replaces the birth published on every (re)connect (the camera list changed) and, when connected, publishes it
    /// now; a birth that cannot be published now goes out with the next connection.
    /// </summary>
    public async Task UpdateBirthAsync(ReadOnlyMemory<byte> birth, CancellationToken cancellationToken)
    {
        _session = _session with { Birth = birth };
        if (!IsConnected)
        {
            return;
        }

        try
        {
            await PublishAsync(StatusMessage(birth), MessageKind.Status, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is not OutOfMemoryException)
        {
            // The session ended meanwhile: the next one publishes the new birth on connect.
        }
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

        var client = _active?.Client;
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
        if (_active is { } active && EndSession(active, "aborted"))
        {
            active.Client.Dispose();
        }
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
                delay = _backoff.DelayFor(1, Random.Shared.NextDouble());
            }
            else
            {
                client.Dispose();
                _lastError = failure; // before the count, so a counted failure is always one whose cause can be read
                Counters.CountFailedAttempt();
                delay = _backoff.DelayFor(attempt + 1, Random.Shared.NextDouble());
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
        ActiveSession active;
        lock (_gate)
        {
            active = new ActiveSession(++_sessionCount, client, CancellationTokenSource.CreateLinkedTokenSource(stopping));
            _active = active;
            _lastError = null;
            SetState(MqttConnectionState.Connected);
            Counters.CountConnect();
            _connected.TrySetResult();
            _nextSession.TrySetResult();
            _nextSession = NewSignal();
        }

        try
        {
            Connected?.Invoke();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A faulty handler must not end the connect loop.
            MqttLog.ConnectedHandlerFailed(_logger, exception);
        }

        var reason = await WatchAsync(active, lost).ConfigureAwait(false);
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
    private async Task<string> WatchAsync(ActiveSession active, Task<string> lost)
    {
        var client = active.Client;
        var lifetime = active.Token;
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

        return lost.IsCompleted ? await lost.ConfigureAwait(false) : active.EndReason ?? "aborted";
    }

    private async Task RunSendLoopAsync()
    {
        var reader = _outbound.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                var active = _active;
                if (active is null || !IsConnected || _stopping.IsCancellationRequested)
                {
                    Drop(message);
                    continue;
                }

                await _inFlight.WaitAsync().ConfigureAwait(false);
                _ = SendAsync(active.Client, message, active.Token);
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

    /// <summary>Ends <paramref name="active"/> if it is still the current session; false if it was already over.</summary>
    private bool EndSession(ActiveSession active, string reason)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_active, active) || active.Lifetime.IsCancellationRequested)
            {
                return false;
            }

            active.EndReason = reason;
            _ = active.Lifetime.CancelAsync(); // callbacks run elsewhere, not under the lock
            return true;
        }
    }

    private void ReleaseClient()
    {
        ActiveSession? active;
        lock (_gate)
        {
            active = _active;
            _active = null;
        }

        if (active is not null)
        {
            active.Lifetime.Cancel();
            active.Lifetime.Dispose();
            active.Client.Dispose();
        }
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

    /// <summary>One connected session: its number (from 1), its client, and a lifetime cancelled when it ends.</summary>
    private sealed class ActiveSession(long number, IMqttClient client, CancellationTokenSource lifetime)
    {
        public long Number { get; } = number;

        public IMqttClient Client { get; } = client;

        public CancellationTokenSource Lifetime { get; } = lifetime;

        /// <summary>The lifetime's token, taken while the source is alive: it stays usable after the source is disposed.</summary>
        public CancellationToken Token { get; } = lifetime.Token;

        /// <summary>Why we ended it ourselves (no PUBACK, aborted); null when the broker or the link did.</summary>
        public string? EndReason { get; set; }
    }
}
