namespace SegMan.Edge.Pipeline.Running;

/// <summary>Live counters of one camera's pipeline, updated lock-free by the stages and read by health and metrics.</summary>
public sealed class CameraCounters
{
    private long _captured;
    private long _processed;
    private long _dropped;
    private long _errors;
    private long _reconnects;
    private long _lastLatencyTicks;

    public long FramesCaptured => Interlocked.Read(ref _captured);

    public long FramesProcessed => Interlocked.Read(ref _processed);

    /// <summary>Frames a live source dropped because the pipeline was behind (oldest first).</summary>
    public long FramesDropped => Interlocked.Read(ref _dropped);

    /// <summary>Frames that failed in a stage (logged and skipped).</summary>
    public long StageErrors => Interlocked.Read(ref _errors);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Capture-to-published latency of the last processed frame.</summary>
    public TimeSpan LastLatency => TimeSpan.FromTicks(Interlocked.Read(ref _lastLatencyTicks));

    internal void OnCaptured() => Interlocked.Increment(ref _captured);

    internal void OnProcessed(TimeSpan latency)
    {
        Interlocked.Increment(ref _processed);
        Interlocked.Exchange(ref _lastLatencyTicks, latency.Ticks);
    }

    internal void OnDropped() => Interlocked.Increment(ref _dropped);

    internal void OnError() => Interlocked.Increment(ref _errors);

    internal void OnReconnect() => Interlocked.Increment(ref _reconnects);
}
