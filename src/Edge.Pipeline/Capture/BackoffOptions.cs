using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>Exponential reopen delays: <see cref="InitialMs"/>, doubled per failed attempt, capped at <see cref="MaxMs"/>.</summary>
public sealed record BackoffOptions
{
    public int InitialMs { get; set; } = 500;

    public int MaxMs { get; set; } = 30_000;

    /// <summary>The policy the pipeline runner waits by before each reopen attempt.</summary>
    public BackoffPolicy ToPolicy() => new(TimeSpan.FromMilliseconds(InitialMs), TimeSpan.FromMilliseconds(MaxMs));
}
