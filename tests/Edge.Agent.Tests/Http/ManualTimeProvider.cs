namespace SegMan.Edge.Agent.Tests.Http;

/// <summary>A clock that moves only when told (timestamps in milliseconds).</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _milliseconds = 1_000_000;
    private DateTimeOffset _now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public override long TimestampFrequency => 1000;

    public override long GetTimestamp() => _milliseconds;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by)
    {
        _milliseconds += (long)by.TotalMilliseconds;
        _now += by;
    }
}
