namespace SegMan.Edge.Pipeline.Running;

/// <summary>How one camera's pipeline is wired.</summary>
public sealed record CameraPipelineSettings(string CameraId)
{
    /// <summary>Frames each channel between two stages may hold. Small, so a live source never shows stale frames.</summary>
    public int ChannelCapacity { get; init; } = 2;

    /// <summary>How long to wait before reopening a source that failed.</summary>
    public BackoffPolicy Backoff { get; init; } = BackoffPolicy.Default;
}
