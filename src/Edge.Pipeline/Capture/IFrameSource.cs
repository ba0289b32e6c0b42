using OpenCvSharp;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>A camera, stream or file that yields BGR frames.</summary>
public interface IFrameSource : IAsyncDisposable
{
    /// <summary>A description safe for logs (credentials removed).</summary>
    string Name { get; }

    /// <summary>Live sources (RTSP, devices, GStreamer) drop the oldest frames under load; files never drop.</summary>
    bool IsLive { get; }

    /// <summary>Opens or reopens the source. Throws <see cref="FrameSourceException"/> naming the cause and the fix.</summary>
    ValueTask OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Reads the next frame into <paramref name="destination"/> (BGR, 8-bit, 3 channels; reallocated if the size changes).
    /// Returns false at the end of a non-looping file. Throws <see cref="FrameSourceException"/> when the source failed
    /// (dead camera, read timeout, corrupt stream); the caller reopens it with backoff.
    /// </summary>
    ValueTask<bool> ReadAsync(Mat destination, CancellationToken cancellationToken);
}
