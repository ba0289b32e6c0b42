namespace SegMan.Edge.Pipeline.Running;

/// <summary>
/// Capped exponential backoff with jitter: the one formula for every retry (reopening a camera's source, restarting its
/// crashed pipeline, reconnecting to the MQTT broker).
/// </summary>
public sealed record BackoffPolicy(TimeSpan Initial, TimeSpan Max)
{
    public static BackoffPolicy Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    /// <summary>
    /// The delay before retry number <paramref name="attempt"/> (1-based): Initial·2^(attempt-1), capped at Max, ±20 %
    /// jitter (never above Max). <paramref name="jitterSample"/> is uniform in [0, 1]; 0.5 means no jitter.
    /// </summary>
    public TimeSpan DelayFor(int attempt, double jitterSample)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(attempt);
        var exponent = Math.Min(attempt - 1, 30);
        var raw = Math.Min(Initial.TotalMilliseconds * Math.Pow(2, exponent), Max.TotalMilliseconds);

        // Jitter keeps cameras behind one dead switch, or a fleet that lost its broker, from retrying in lockstep.
        var jittered = raw * (0.8 + (0.4 * Math.Clamp(jitterSample, 0, 1)));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, Max.TotalMilliseconds));
    }
}
