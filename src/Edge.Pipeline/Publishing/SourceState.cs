namespace SegMan.Edge.Pipeline.Publishing;

/// <summary>What a camera's source is doing.</summary>
public enum SourceState
{
    Starting,
    Streaming,
    Reconnecting,
    Ended,
    Failed,
}
