namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// Capped exponential backoff with jitter: attempt n waits a random time in [d/2, d] with
/// d = min(initial * 2^n, max), so a fleet that lost its broker does not reconnect in lock step.
/// </summary>
public sealed class ReconnectBackoff(ReconnectBackoffOptions options, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    public TimeSpan Delay(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        var ceiling = Math.Min(options.MaxMs, options.InitialMs * Math.Pow(2, Math.Min(attempt, 30)));
        var jittered = ceiling / 2 + _random.NextDouble() * ceiling / 2;
        return TimeSpan.FromMilliseconds(jittered);
    }
}
