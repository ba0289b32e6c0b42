using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using OpenCvSharp;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>
/// Reads RTSP and HTTP(S) streams through an <c>ffmpeg</c> child process that decodes to raw BGR frames on its
/// stdout (OpenCvSharp's bundled FFmpeg has no network protocols).
/// The frame size comes from <see cref="CameraOptions.Width"/> and <see cref="CameraOptions.Height"/> when both are
/// set, otherwise from <c>ffprobe</c> (the missing side following the aspect ratio); ffmpeg scales to it, so every
/// frame is exactly that size. Opening waits for the first frame, so a wrong URL or refused login fails in
/// <see cref="OpenAsync"/> with ffmpeg's own message. Frames are read straight into the caller's image by plain
/// blocking reads on a reader thread (no per-frame allocations, unlike async pipe reads); a frame that takes longer
/// than <see cref="CameraOptions.ReadTimeoutMs"/> kills the child and throws <see cref="FrameSourceException"/>,
/// as does the end of the stream (a camera stream has no end: the caller reopens with backoff). Credentials in the
/// URL are masked in <see cref="Name"/> and messages.
/// </summary>
public sealed class FfmpegSource : IFrameSource
{
    public const string DefaultFfmpeg = "ffmpeg";
    public const string DefaultFfprobe = "ffprobe";

    private readonly CameraOptions _options;
    private readonly CameraKind _kind;
    private readonly ILogger _logger;
    private readonly string _ffmpeg;
    private readonly string _ffprobe;
    private readonly string _url;
    private static readonly TimeSpan ReaderExitWait = TimeSpan.FromSeconds(2);
    private readonly Mat _firstFrame = new();
    private readonly Func<int> _readFrame;
    private FfmpegProcess? _process;
    private BlockingCallThread<int>? _reader;
    private IntPtr _readPointer;
    private int _readLength;
    private FrameRateLimiter? _limiter;
    private Size _frameSize;
    private bool _firstFramePending;
    private bool _broken;
    private long _skippedBefore;
    private bool _disposed;

    public FfmpegSource(CameraOptions options, ILogger logger)
        : this(options, logger, DefaultFfmpeg, DefaultFfprobe)
    {
    }

    /// <summary>Uses the given ffmpeg and ffprobe binaries (names looked up on the PATH, or paths).</summary>
    public FfmpegSource(CameraOptions options, ILogger logger, string ffmpeg, string ffprobe)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrWhiteSpace(ffmpeg);
        ArgumentException.ThrowIfNullOrWhiteSpace(ffprobe);
        _kind = CameraKinds.Resolve(options);
        if (_kind is not (CameraKind.Rtsp or CameraKind.Http))
        {
            throw new ArgumentException($"FfmpegSource reads rtsp:// and http(s):// streams, not {_kind}.", nameof(options));
        }

        _options = options;
        _logger = logger;
        _ffmpeg = ffmpeg;
        _ffprobe = ffprobe;
        _url = options.Source.Trim();
        Name = CredentialMask.Apply(_url);
        _readFrame = ReadFrameOnReaderThread;
    }

    public string Name { get; }

    public bool IsLive => true;

    /// <summary>The size of the delivered frames (known after opening).</summary>
    public Size FrameSize => _frameSize;

    /// <summary>Frames skipped so far because they came faster than <see cref="CameraOptions.MaxFps"/>.</summary>
    public long SkippedFrames => _skippedBefore + (_limiter?.Skipped ?? 0);

    public async ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await CloseAsync().ConfigureAwait(false);

        int? major = await FfmpegVersion.GetMajorAsync(_ffmpeg, cancellationToken).ConfigureAwait(false);
        _frameSize = await GetFrameSizeAsync(major, cancellationToken).ConfigureAwait(false);
        List<string> arguments = FfmpegArguments.Decode(_kind, _url, _options.Transport, _options.ReadTimeoutMs, major, _frameSize);
        if (_logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
        {
            CaptureLog.StartingFfmpeg(_logger, Name, CredentialMask.Apply(string.Join(' ', arguments)));
        }

        _process = FfmpegProcess.Start(_ffmpeg, arguments);
        _reader = new BlockingCallThread<int>($"ffmpeg reader {_options.Id}", static () => { });
        _broken = false;
        try
        {
            await ReadFrameAsync(_firstFrame, _options.OpenTimeoutMs, opening: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await CloseAsync().ConfigureAwait(false);
            throw;
        }

        _firstFramePending = true;
        _limiter = _options.MaxFps > 0 ? new FrameRateLimiter(_options.MaxFps) : null;
        _limiter?.ShouldKeep(Stopwatch.GetTimestamp());
        CaptureLog.Opened(_logger, Name, "ffmpeg", _frameSize.Width, _frameSize.Height, _options.MaxFps);
    }

    public ValueTask<bool> ReadAsync(Mat destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_process is null)
        {
            throw new InvalidOperationException($"Open {Name} before reading from it.");
        }

        if (_broken)
        {
            throw new FrameSourceException($"{Name} failed on an earlier read and must be reopened.");
        }

        if (_firstFramePending)
        {
            _firstFramePending = false;
            _firstFrame.CopyTo(destination);
            return new ValueTask<bool>(true);
        }

        // Both paths use pooled async builders: in Release builds the steady state allocates nothing per frame.
        return _limiter is null
            ? ReadFrameAsync(destination, _options.ReadTimeoutMs, opening: false, cancellationToken)
            : ReadLimitedAsync(destination, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await CloseAsync().ConfigureAwait(false);
        _firstFrame.Dispose();
    }

    private async ValueTask<Size> GetFrameSizeAsync(int? ffmpegMajor, CancellationToken cancellationToken)
    {
        if (_options.Width > 0 && _options.Height > 0)
        {
            return new Size(_options.Width, _options.Height);
        }

        List<string> arguments = FfmpegArguments.Probe(_kind, _url, _options.Transport, _options.OpenTimeoutMs, ffmpegMajor);
        Size native = await FfprobeFrameSize.ProbeAsync(_ffprobe, arguments, Name, _options.OpenTimeoutMs, cancellationToken)
            .ConfigureAwait(false);
        CaptureLog.Probed(_logger, Name, native.Width, native.Height);
        return FrameSizes.Target(native, _options.Width, _options.Height);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadLimitedAsync(Mat destination, CancellationToken cancellationToken)
    {
        do
        {
            await ReadFrameAsync(destination, _options.ReadTimeoutMs, opening: false, cancellationToken).ConfigureAwait(false);
        }
        while (!_limiter!.ShouldKeep(Stopwatch.GetTimestamp()));

        return true;
    }

    /// <summary>Fills <paramref name="target"/> with exactly one frame from ffmpeg's stdout, within <paramref name="timeoutMs"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadFrameAsync(Mat target, int timeoutMs, bool opening, CancellationToken cancellationToken)
    {
        FfmpegProcess process = _process!;
        BlockingCallThread<int> reader = _reader!;
        target.Create(_frameSize.Height, _frameSize.Width, MatType.CV_8UC3);
        if (!target.IsContinuous())
        {
            // A view into a larger image: detach it (OpenCvSharp's Release would dispose the caller's Mat).
            using (var empty = new Mat())
            {
                empty.CopyTo(target);
            }

            target.Create(_frameSize.Height, _frameSize.Width, MatType.CV_8UC3);
        }

        _readPointer = target.Data;
        _readLength = checked(_frameSize.Width * _frameSize.Height * 3);
        int filled;
        try
        {
            filled = await reader.RunAsync(_readFrame, TimeSpan.FromMilliseconds(timeoutMs), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // The stream is now out of step with frame boundaries: only a reopen can continue. Stopping ffmpeg ends
            // the blocked read; waiting for the reader guarantees it writes nothing more into the caller's image.
            _broken = true;
            int? exitCode = await process.StopAsync().ConfigureAwait(false);
            await WaitForReaderAsync(reader).ConfigureAwait(false);
            CaptureLog.StoppedFfmpeg(_logger, Name, exitCode);
            cancellationToken.ThrowIfCancellationRequested();
            throw new FrameSourceException(
                $"{(opening ? "No first frame" : "No frame")} from {Name} within {timeoutMs} ms " +
                $"({process.Errors.Describe("ffmpeg printed nothing")}); ffmpeg was stopped. " +
                (opening
                    ? "Check the URL, the credentials and that the camera is reachable from this machine."
                    : "The stream stalled; it is reopened with backoff."),
                e);
        }

        if (filled < _readLength)
        {
            _broken = true;
            throw await StreamEndedAsync(process, opening, filled).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Runs on the reader thread: blocking reads until one frame is complete or the stream ends.</summary>
    private unsafe int ReadFrameOnReaderThread()
    {
        var frame = new Span<byte>((void*)_readPointer, _readLength);
        Stream output = _process!.Output;
        int filled = 0;
        while (filled < frame.Length)
        {
            int read = output.Read(frame[filled..]);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    private async ValueTask WaitForReaderAsync(BlockingCallThread<int> reader)
    {
        reader.Dispose();
        try
        {
            await reader.Exited.WaitAsync(ReaderExitWait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            CaptureLog.CaptureThreadHangs(_logger, Name);
        }
    }

    private async ValueTask<FrameSourceException> StreamEndedAsync(FfmpegProcess process, bool opening, int filled)
    {
        int? exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        string code = exitCode is null ? "still running" : $"exit code {exitCode}";
        string errors = process.Errors.Describe();
        return opening
            ? new FrameSourceException(
                $"ffmpeg could not read {Name} ({code}): {errors}. Check the URL, the credentials and that the camera is reachable from this machine.")
            : new FrameSourceException(
                $"The stream {Name} ended{(filled > 0 ? " in the middle of a frame" : "")} ({code}): {errors}. It is reopened with backoff.");
    }

    private async ValueTask CloseAsync()
    {
        FfmpegProcess? process = _process;
        if (process is null)
        {
            return;
        }

        BlockingCallThread<int> reader = _reader!;
        _process = null;
        _reader = null;
        _firstFramePending = false;
        _skippedBefore += _limiter?.Skipped ?? 0;
        _limiter = null;
        await process.StopAsync().ConfigureAwait(false);
        await WaitForReaderAsync(reader).ConfigureAwait(false);
        await process.DisposeAsync().ConfigureAwait(false);
        CaptureLog.Closed(_logger, Name);
    }
}
