using Microsoft.Extensions.Logging;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>Source-generated log messages of the capture sources.</summary>
internal static partial class CaptureLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Opened {Source} ({Backend}): {Width}x{Height} at {Fps:0.##} fps")]
    public static partial void Opened(ILogger logger, string source, string backend, int width, int height, double fps);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Pacing {Source} at {Fps:0.##} fps")]
    public static partial void Pacing(ILogger logger, string source, double fps);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "{Source} reports no frame rate; pacing it at {Fps:0.##} fps")]
    public static partial void UnknownFrameRate(ILogger logger, string source, double fps);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "Closed {Source}")]
    public static partial void Closed(ILogger logger, string source);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "{Source}: the previous capture call still hangs; its thread is left to finish on its own")]
    public static partial void CaptureThreadHangs(ILogger logger, string source);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Debug, Message = "Starting ffmpeg for {Source}: {Arguments}")]
    public static partial void StartingFfmpeg(ILogger logger, string source, string arguments);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Debug, Message = "Probed {Source}: {Width}x{Height}")]
    public static partial void Probed(ILogger logger, string source, int width, int height);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Debug, Message = "Stopped ffmpeg for {Source} (exit code {ExitCode})")]
    public static partial void StoppedFfmpeg(ILogger logger, string source, int? exitCode);
}
