namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>Delays between connection attempts: doubling from <see cref="InitialMs"/> up to <see cref="MaxMs"/>.</summary>
public sealed class ReconnectBackoffOptions
{
    public int InitialMs { get; set; } = 500;

    public int MaxMs { get; set; } = 30_000;
}
