using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using OpenCvSharp;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>
/// Reads video files, V4L2 devices and GStreamer pipelines with OpenCV's VideoCapture.
/// OpenCV blocks while it opens and reads, so every call runs on a capture thread of its own and is waited for
/// with a deadline (<see cref="CameraOptions.OpenTimeoutMs"/>, <see cref="CameraOptions.ReadTimeoutMs"/>) and the
/// caller's token: a hung device becomes a <see cref="FrameSourceException"/>, never a hung pipeline. Frames are
/// decoded into a scratch image on that thread and copied (or resized) into the caller's image, so a call that is
/// given up on can never write into a frame the pipeline already uses.
/// Empty frames are skipped and counted (<see cref="EmptyFrames"/>); see <see cref="FrameReadLoop"/>.
/// Files are paced to their frame rate when <see cref="CameraOptions.PacesToSourceRate"/>, and to
/// <see cref="CameraOptions.MaxFps"/> when set; live sources skip frames that come faster than MaxFps.
/// </summary>
public sealed class OpenCvSource : IFrameSource
{
    /// <summary>Rate used to pace a file whose container states none.</summary>
    public const double FallbackFps = 25;

    // The read loop gives up on failed or empty reads a little before the watchdog, which catches calls that hang
    // inside OpenCV, so a device that answers with errors gets the more precise message.
    private const double ReadLoopShareOfTimeout = 0.9;
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(2);

    private readonly CameraOptions _options;
    private readonly CameraKind _kind;
    private readonly ILogger _logger;
    private OpenCvCaptureSession? _session;
    private FramePacer? _pacer;
    private long _emptyFramesBefore;
    private long _skippedFramesBefore;
    private bool _disposed;

    public OpenCvSource(CameraOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _kind = CameraKinds.Resolve(options);
        if (_kind is not (CameraKind.File or CameraKind.V4l2 or CameraKind.Gstreamer))
        {
            throw new ArgumentException($"OpenCvSource reads files, V4L2 devices and GStreamer pipelines, not {_kind}.", nameof(options));
        }

        _options = options;
        _logger = logger;
        Name = _kind switch
        {
            CameraKind.Gstreamer => CameraKinds.GStreamerPrefix + CredentialMask.Apply(CameraKinds.GetPipeline(options.Source)),
            CameraKind.V4l2 => DevicePath(options.Source.Trim()),
            _ => options.Source.Trim(),
        };
    }

    public string Name { get; }

    public bool IsLive => _kind != CameraKind.File;

    /// <summary>Empty or failed frames skipped so far (all opens together).</summary>
    public long EmptyFrames => _emptyFramesBefore + (_session?.ReadLoop.EmptyFrames ?? 0);

    /// <summary>Live frames skipped so far because they came faster than <see cref="CameraOptions.MaxFps"/>.</summary>
    public long SkippedFrames => _skippedFramesBefore + (_session?.ReadLoop.SkippedFrames ?? 0);

    /// <summary>The source's own frame rate as OpenCV reports it (0 when unknown or not open).</summary>
    public double SourceFps => _session?.Fps ?? 0;

    public async ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);

        // A device can be opened once at a time: let the previous capture go first (unless its thread hangs).
        await WaitForExitAsync(Close()).ConfigureAwait(false);
        OpenCvCapturePlan plan = CreatePlan();
        var readLoop = new FrameReadLoop(
            IsLive, _options.Loop, TimeSpan.FromMilliseconds(_options.ReadTimeoutMs * ReadLoopShareOfTimeout), _options.MaxFps);
        var session = new OpenCvCaptureSession(plan, readLoop, $"capture {_options.Id}");
        CaptureOutcome outcome;
        try
        {
            outcome = await session.OpenAsync(TimeSpan.FromMilliseconds(_options.OpenTimeoutMs), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            session.Dispose();
            throw new FrameSourceException(
                $"Opening {Name} did not finish within {_options.OpenTimeoutMs} ms; the device or pipeline hangs. {OpenHint()}", e);
        }
        catch (OpenCVException e)
        {
            session.Dispose();
            throw new FrameSourceException($"OpenCV failed to open {Name}: {e.Message}. {OpenHint()}", e);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        if (outcome != CaptureOutcome.Ok)
        {
            session.Dispose();
            throw new FrameSourceException($"OpenCV could not open {Name}. {OpenHint()}");
        }

        _session = session;
        _pacer = CreatePacer(session.Fps);
        CaptureLog.Opened(_logger, Name, session.Backend, session.FrameSize.Width, session.FrameSize.Height, session.Fps);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadAsync(Mat destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(_disposed, this);
        OpenCvCaptureSession session = _session ?? throw new InvalidOperationException($"Open {Name} before reading from it.");
        if (session.IsAbandoned)
        {
            throw new FrameSourceException($"{Name} failed on an earlier read and must be reopened.");
        }

        if (_pacer is not null)
        {
            await _pacer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        CaptureOutcome outcome;
        try
        {
            outcome = await session.ReadAsync(TimeSpan.FromMilliseconds(_options.ReadTimeoutMs), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new FrameSourceException(
                $"OpenCV did not return a frame from {Name} within {_options.ReadTimeoutMs} ms: the read hangs. {ReadHint()}", e);
        }
        catch (OpenCVException e)
        {
            throw new FrameSourceException($"OpenCV failed to read from {Name}: {e.Message}", e);
        }

        switch (outcome)
        {
            case CaptureOutcome.EndOfStream:
                return false;
            case CaptureOutcome.Failed:
                throw new FrameSourceException(
                    $"No usable frame from {Name} within {_options.ReadTimeoutMs} ms ({session.ReadLoop.FailureReason}). {ReadHint()}");
        }

        CopyOut(session.Frame, destination);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await WaitForExitAsync(Close()).ConfigureAwait(false);
    }

    private static string DevicePath(string source) =>
        CameraKinds.TryGetDeviceIndex(source, out int index) ? $"/dev/video{index}" : source;

    private void CopyOut(Mat frame, Mat destination)
    {
        Size target = FrameSizes.Target(frame.Size(), _options.Width, _options.Height);
        if (target == frame.Size())
        {
            frame.CopyTo(destination);
            return;
        }

        InterpolationFlags interpolation = target.Width < frame.Width ? InterpolationFlags.Area : InterpolationFlags.Linear;
        Cv2.Resize(frame, destination, target, 0, 0, interpolation);
    }

    /// <summary>Gives up the current session (if any) and returns the task that completes when its thread has ended.</summary>
    private Task? Close()
    {
        _pacer?.Dispose();
        _pacer = null;
        OpenCvCaptureSession? session = _session;
        if (session is null)
        {
            return null;
        }

        _session = null;
        _emptyFramesBefore += session.ReadLoop.EmptyFrames;
        _skippedFramesBefore += session.ReadLoop.SkippedFrames;
        session.Dispose();
        CaptureLog.Closed(_logger, Name);
        return session.Exited;
    }

    private async ValueTask WaitForExitAsync(Task? exited)
    {
        if (exited is null)
        {
            return;
        }

        try
        {
            await exited.WaitAsync(ExitWait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            CaptureLog.CaptureThreadHangs(_logger, Name);
        }
    }

    private FramePacer? CreatePacer(double sourceFps)
    {
        if (IsLive)
        {
            return null;
        }

        double fps = _options.MaxFps;
        if (_options.PacesToSourceRate)
        {
            double native = sourceFps > 0 ? sourceFps : FallbackFps;
            if (sourceFps <= 0 && fps <= 0)
            {
                CaptureLog.UnknownFrameRate(_logger, Name, native);
            }

            fps = fps > 0 ? Math.Min(fps, native) : native;
        }

        if (fps <= 0)
        {
            return null;
        }

        CaptureLog.Pacing(_logger, Name, fps);
        return new FramePacer(fps);
    }

    private OpenCvCapturePlan CreatePlan()
    {
        string source = _options.Source.Trim();
        int openTimeout = _options.OpenTimeoutMs;
        int readTimeout = _options.ReadTimeoutMs;
        switch (_kind)
        {
            case CameraKind.File:
                if (!File.Exists(source))
                {
                    throw new FrameSourceException(
                        $"The video file '{source}' of camera '{_options.Id}' was not found (looked at '{Path.GetFullPath(source)}'). " +
                        $"Fix {CameraOptions.SectionPrefix}:<n>:Source; a relative path is looked for in the folder that holds " +
                        "config/, then in the working directory.");
                }

                // FFmpeg takes the timeouts at open; other backends would refuse the open over unknown parameters.
                return OpenCvBuild.HasFfmpeg
                    ? new OpenCvCapturePlan(source, 0, VideoCaptureAPIs.FFMPEG, TimeoutParameters(openTimeout, readTimeout), [])
                    : new OpenCvCapturePlan(source, 0, VideoCaptureAPIs.ANY, [], []);

            case CameraKind.V4l2:
                string device = DevicePath(source);
                if (!File.Exists(device))
                {
                    throw new FrameSourceException(
                        $"The V4L2 device '{device}' of camera '{_options.Id}' does not exist. Plug the camera in, list devices " +
                        "with 'v4l2-ctl --list-devices' (or ls /dev/video*) and fix the Source; /dev/v4l/by-id/… names stay stable across reboots.");
                }

                return new OpenCvCapturePlan(
                    CameraKinds.TryGetDeviceIndex(source, out _) ? null : device,
                    CameraKinds.TryGetDeviceIndex(source, out int index) ? index : 0,
                    VideoCaptureAPIs.V4L2,
                    [],
                    DeviceSettings(readTimeout));

            default:
                if (!OpenCvBuild.HasGStreamer)
                {
                    throw new FrameSourceException(
                        $"Camera '{_options.Id}' is a GStreamer pipeline, but the OpenCV loaded here was built without GStreamer " +
                        "(the stock OpenCvSharp linux-x64 runtime has none). Run with an OpenCV built with GStreamer, such as " +
                        "JetPack's OpenCV on Jetson with a libOpenCvSharpExtern built against it, or use an rtsp:// or http:// " +
                        "Source, which is read through the ffmpeg CLI.");
                }

                return new OpenCvCapturePlan(
                    CameraKinds.GetPipeline(source), 0, VideoCaptureAPIs.GSTREAMER, [], [new(OpenCvCapturePlan.ReadTimeoutMsec, readTimeout)]);
        }
    }

    private List<KeyValuePair<VideoCaptureProperties, double>> DeviceSettings(int readTimeout)
    {
        var settings = new List<KeyValuePair<VideoCaptureProperties, double>>
        {
            new(OpenCvCapturePlan.ReadTimeoutMsec, readTimeout),
        };
        if (_options.Width > 0)
        {
            settings.Add(new(VideoCaptureProperties.FrameWidth, _options.Width));
        }

        if (_options.Height > 0)
        {
            settings.Add(new(VideoCaptureProperties.FrameHeight, _options.Height));
        }

        return settings;
    }

    private static int[] TimeoutParameters(int openTimeout, int readTimeout) =>
        [(int)OpenCvCapturePlan.OpenTimeoutMsec, openTimeout, (int)OpenCvCapturePlan.ReadTimeoutMsec, readTimeout];

    private string OpenHint() => _kind switch
    {
        CameraKind.File =>
            $"The file is not a video OpenCV can decode (corrupt, truncated, or an unsupported codec). Check it with " +
            $"'ffprobe \"{Name}\"' and re-encode it if needed: ffmpeg -i \"{Name}\" -c:v libx264 -pix_fmt yuv420p fixed.mp4",
        CameraKind.V4l2 =>
            "Check that no other process uses the device, that the user running the agent is in the 'video' group, " +
            "and that the requested Width/Height is a mode the camera offers (v4l2-ctl --list-formats-ext).",
        _ =>
            "Check the pipeline with gst-launch-1.0 and make sure it ends in an appsink that OpenCV can read, e.g. " +
            "'… ! videoconvert ! video/x-raw,format=BGR ! appsink drop=true max-buffers=1'.",
    };

    private string ReadHint() => _kind == CameraKind.File
        ? "The source is reopened; if this repeats the file is damaged (re-encode it) or sits on a stalled mount or pipe."
        : "The source is reopened; if this repeats check the camera, its cable, its driver and that no other process holds it.";
}
