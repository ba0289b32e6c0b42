using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>One camera, bound from the configuration section <c>SegMan:Cameras:&lt;n&gt;</c>.</summary>
public sealed record CameraOptions
{
    public const string SectionPrefix = "SegMan:Cameras";
    public const int DefaultOpenTimeoutMs = 10_000;
    public const int DefaultReadTimeoutMs = 5_000;

    /// <summary>Unique, non-empty camera id (sanitised for MQTT topics by the publisher).</summary>
    public string Id { get; set; } = "";

    /// <summary>
    /// A video file path, an <c>rtsp://</c> or <c>http(s)://</c> URL, a V4L2 device (<c>0</c> or <c>/dev/video0</c>)
    /// or a GStreamer pipeline written as <c>gst:&lt;pipeline&gt;</c> ending in an appsink.
    /// </summary>
    public string Source { get; set; } = "";

    /// <summary><c>auto</c> (inferred from <see cref="Source"/>), <c>file</c>, <c>rtsp</c>, <c>http</c>, <c>v4l2</c> or <c>gstreamer</c>.</summary>
    public string Kind { get; set; } = "auto";

    /// <summary>Files only: start again from the first frame at the end instead of ending.</summary>
    public bool Loop { get; set; }

    /// <summary>
    /// Files only: deliver frames at the file's own frame rate, like a camera. When unset it follows
    /// <see cref="Loop"/>, so a looping demo clip behaves like a live camera while a one-shot file is
    /// processed as fast as the pipeline can go.
    /// </summary>
    public bool? RealTime { get; set; }

    /// <summary>
    /// Upper bound on delivered frames per second; 0 keeps the source rate. Files are paced to it;
    /// live sources skip the frames that come too early.
    /// </summary>
    public double MaxFps { get; set; }

    /// <summary>Delivered frame width in pixels; 0 keeps the source size (or follows <see cref="Height"/>'s aspect ratio).</summary>
    public int Width { get; set; }

    /// <summary>Delivered frame height in pixels; 0 keeps the source size (or follows <see cref="Width"/>'s aspect ratio).</summary>
    public int Height { get; set; }

    /// <summary>How long opening (connecting, probing, the first frame) may take.</summary>
    public int OpenTimeoutMs { get; set; } = DefaultOpenTimeoutMs;

    /// <summary>How long one frame may take before the source counts as failed and is reopened.</summary>
    public int ReadTimeoutMs { get; set; } = DefaultReadTimeoutMs;

    /// <summary>RTSP transport: <c>tcp</c> (default, survives lossy links and NAT) or <c>udp</c>.</summary>
    public string Transport { get; set; } = "tcp";

    /// <summary>Delays between reopen attempts after the source failed.</summary>
    public BackoffOptions Backoff { get; set; } = new();

    /// <summary>Whether a file is paced to its frame rate: <see cref="RealTime"/> when set, otherwise <see cref="Loop"/>.</summary>
    public bool PacesToSourceRate => RealTime ?? Loop;
}
