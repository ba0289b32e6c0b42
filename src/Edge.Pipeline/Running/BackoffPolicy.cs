namespace SegMan.Edge.Pipeline.Running;

/// <summary>Capped exponential backoff with jitter, for reopening a source that died.</summary>
public sealed record BackoffPolicy(TimeSpan Initial, TimeSpan Max)
{
    public static BackoffPolicy Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    /// <summary>The delay before retry number <paramref name="attempt"/> (1-based): Initial·2^(attempt-1), capped, ±20 % jitter.</summary>
    public TimeSpan DelayFor(int attempt, double jitterSample)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(attempt);
        var exponent = Math.Min(attempt - 1, 30);
        var raw = Math.Min(Initial.TotalMilliseconds * Math.Pow(2, exponent), Max.TotalMilliseconds);

        // Jitter keeps several cameras behind one dead switch from reconnecting in lockstep.
        var jittered = raw * (0.8 + (0.4 * Math.Clamp(jitterSample, 0, 1)));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, Max.TotalMilliseconds));
    }
}
