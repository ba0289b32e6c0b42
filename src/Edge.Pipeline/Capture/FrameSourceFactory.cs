using Microsoft.Extensions.Logging;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>Chooses the source implementation for a camera: ffmpeg for network streams, OpenCV for the rest.</summary>
public static class FrameSourceFactory
{
    /// <exception cref="ArgumentException">The kind is unknown or cannot be inferred (the validator reports this first).</exception>
    public static IFrameSource Create(CameraOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return CameraKinds.Resolve(options) switch
        {
            CameraKind.Rtsp or CameraKind.Http => new FfmpegSource(options, loggerFactory.CreateLogger<FfmpegSource>()),
            _ => new OpenCvSource(options, loggerFactory.CreateLogger<OpenCvSource>()),
        };
    }
}
