namespace SegMan.Edge.Pipeline.Capture;

/// <summary>Exponential reopen delays: <see cref="InitialMs"/>, doubled per failed attempt, capped at <see cref="MaxMs"/>.</summary>
public sealed record BackoffOptions
{
    public int InitialMs { get; set; } = 500;

    public int MaxMs { get; set; } = 30_000;

    /// <summary>The delay before reopen attempt <paramref name="attempt"/> (0 for the first retry).</summary>
    public TimeSpan GetDelay(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        double ms = InitialMs * Math.Pow(2, Math.Min(attempt, 30));
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxMs));
    }
}
