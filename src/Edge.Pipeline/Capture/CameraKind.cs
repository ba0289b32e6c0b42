namespace SegMan.Edge.Pipeline.Capture;

/// <summary>How a camera's source is read.</summary>
public enum CameraKind
{
    /// <summary>Inferred from the source text.</summary>
    Auto,

    /// <summary>A video file, decoded by OpenCV.</summary>
    File,

    /// <summary>An RTSP stream, decoded by the ffmpeg CLI.</summary>
    Rtsp,

    /// <summary>An HTTP(S) stream, decoded by the ffmpeg CLI.</summary>
    Http,

    /// <summary>A V4L2 device (USB/CSI camera), read by OpenCV.</summary>
    V4l2,

    /// <summary>A GStreamer pipeline ending in an appsink, read by an OpenCV built with GStreamer.</summary>
    Gstreamer,
}
