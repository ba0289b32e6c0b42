namespace SegMan.Edge.Pipeline.Running;

/// <summary>
/// Retry delays as configured (a camera's <c>Backoff</c>, MQTT's <c>ReconnectBackoff</c>): <see cref="InitialMs"/>,
/// doubled per failed attempt, capped at <see cref="MaxMs"/>, jittered; see <see cref="BackoffPolicy"/>.
/// </summary>
public sealed record BackoffOptions
{
    public int InitialMs { get; set; } = 500;

    public int MaxMs { get; set; } = 30_000;

    /// <summary>The policy to wait by before each retry.</summary>
    public BackoffPolicy ToPolicy() => new(TimeSpan.FromMilliseconds(InitialMs), TimeSpan.FromMilliseconds(MaxMs));
}
