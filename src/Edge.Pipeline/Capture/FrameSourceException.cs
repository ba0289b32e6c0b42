namespace SegMan.Edge.Pipeline.Capture;

/// <summary>A source could not be opened or read. The message names the cause and the fix.</summary>
public sealed class FrameSourceException : Exception
{
    public FrameSourceException()
    {
    }

    public FrameSourceException(string message)
        : base(message)
    {
    }

    public FrameSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
