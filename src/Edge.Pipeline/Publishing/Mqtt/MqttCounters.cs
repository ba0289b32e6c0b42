namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>Thread-safe running totals of the connection, for metrics and health.</summary>
public sealed class MqttCounters
{
    private readonly long[] _published = new long[Enum.GetValues<MessageKind>().Length];
    private readonly long[] _dropped = new long[Enum.GetValues<MessageKind>().Length];
    private long _connects;
    private long _connectionLosses;
    private long _failedAttempts;

    public long Connects => Interlocked.Read(ref _connects);

    public long ConnectionLosses => Interlocked.Read(ref _connectionLosses);

    public long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    public long Published(MessageKind kind) => Interlocked.Read(ref _published[(int)kind]);

    public long Dropped(MessageKind kind) => Interlocked.Read(ref _dropped[(int)kind]);

    internal void CountPublished(MessageKind kind) => Interlocked.Increment(ref _published[(int)kind]);

    internal void CountDropped(MessageKind kind) => Interlocked.Increment(ref _dropped[(int)kind]);

    internal void CountConnect() => Interlocked.Increment(ref _connects);

    internal void CountConnectionLoss() => Interlocked.Increment(ref _connectionLosses);

    internal void CountFailedAttempt() => Interlocked.Increment(ref _failedAttempts);
}
