using System.Text;
using System.Threading.Channels;
using MQTTnet;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Pipeline.Tests.Publishing.Support;

/// <summary>
/// Numbered sessions under the test's control, and publishes that complete only when the test says so
/// (acknowledged, refused, or with an unknown outcome), to drive the spool forwarder step by step.
/// </summary>
internal sealed class FakeSessionPublisher : ISessionPublisher
{
    private readonly Lock _gate = new();
    private readonly Channel<PendingSend> _sends = Channel.CreateUnbounded<PendingSend>();
    private readonly List<(string Payload, long Session)> _log = [];
    private readonly List<(long After, TaskCompletionSource Reached)> _waitWatchers = [];
    private TaskCompletionSource _sessionChanged = NewSignal();
    private long _session;
    private bool _up;
    private int _inFlight;
    private int _maxInFlight;

    public bool IsConnected
    {
        get
        {
            lock (_gate)
            {
                return _up;
            }
        }
    }

    public MqttCounters Counters { get; } = new();

    /// <summary>Every publish, in order: the payload as text and the session it was sent on.</summary>
    public IReadOnlyList<(string Payload, long Session)> Sends
    {
        get
        {
            lock (_gate)
            {
                return _log.ToArray();
            }
        }
    }

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Starts the next session (ending the current one, if any) and returns its number.</summary>
    public long StartSession()
    {
        lock (_gate)
        {
            _up = true;
            _session++;
            SignalSessionChange();
            return _session;
        }
    }

    /// <summary>Ends the current session, as a lost connection would.</summary>
    public void EndSession()
    {
        lock (_gate)
        {
            _up = false;
            SignalSessionChange();
        }
    }

    /// <summary>Completes once the forwarder waits for a session numbered above <paramref name="after"/> (or more).</summary>
    public Task WaitingForSessionAfter(long after)
    {
        var reached = NewSignal();
        lock (_gate)
        {
            _waitWatchers.Add((after, reached));
        }

        return reached.Task;
    }

    /// <summary>The next publish the forwarder makes.</summary>
    public async Task<PendingSend> NextSendAsync() =>
        await _sends.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>True if the forwarder made a publish that the test has not taken with <see cref="NextSendAsync"/>.</summary>
    public bool HasUntakenSend => _sends.Reader.Count > 0;

    public async Task<long> WaitForSessionAsync(long after, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                foreach (var watcher in _waitWatchers.Where(w => after >= w.After))
                {
                    watcher.Reached.TrySetResult();
                }

                if (_up && _session > after)
                {
                    return _session;
                }

                changed = _sessionChanged.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    public async Task<MqttClientPublishResult> PublishAsync(long session, MqttApplicationMessage message, MessageKind kind, CancellationToken cancellationToken)
    {
        var pending = new PendingSend(Encoding.UTF8.GetString(message.Payload), session);
        lock (_gate)
        {
            if (!_up || session != _session)
            {
                throw new InvalidOperationException($"session {session} is over");
            }

            _log.Add((pending.Payload, session));
        }

        var inFlight = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _maxInFlight, inFlight);
        try
        {
            await _sends.Writer.WriteAsync(pending, cancellationToken);
            var result = await pending.Outcome.Task.WaitAsync(cancellationToken);
            if (result.IsSuccess)
            {
                Counters.CountPublished(kind);
            }

            return result;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void SignalSessionChange()
    {
        _sessionChanged.TrySetResult();
        _sessionChanged = NewSignal();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>One publish waiting for the test to decide how it ends.</summary>
    internal sealed class PendingSend(string payload, long session)
    {
        public string Payload { get; } = payload;

        public long Session { get; } = session;

        public TaskCompletionSource<MqttClientPublishResult> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Acknowledge() => Outcome.SetResult(new MqttClientPublishResult(1, MqttClientPublishReasonCode.Success, "", []));

        public void Refuse(MqttClientPublishReasonCode code) => Outcome.SetResult(new MqttClientPublishResult(1, code, "", []));

        /// <summary>No PUBACK came in time: the broker may or may not have the message.</summary>
        public void TimeOut() => Outcome.SetException(new TimeoutException("no PUBACK"));
    }
}
