using OpenCvSharp;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent.Http;

/// <summary>
/// One camera's latest frame for the live view. The publish stage offers every frame: the slot always keeps the
/// small things (sequence, time, class fractions, frame rate), but copies the image and labels only while a viewer
/// watches and at most <see cref="HttpOptions.OverlayFps"/> times a second, and never waits for a viewer (a frame that
/// arrives while a viewer renders is skipped). Viewers render the overlay JPEG from that copy on their own threads;
/// one rendering per copied frame is shared by every viewer.
/// </summary>
internal sealed class LiveFrameSlot : IDisposable
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(2);

    private readonly TimeProvider _time;
    private readonly IReadOnlyList<ClassInfo> _classes;
    private readonly double _alpha;
    private readonly ImageEncodingParam[] _jpegParameters;
    private readonly long _copyInterval;

    // Per-frame state, guarded by _gate (held for a few microseconds, never while rendering).
    private readonly Lock _gate = new();
    private readonly FrameRateWindow _rate;
    private float[] _fractions = [];
    private long _sequence = -1;
    private DateTimeOffset _capturedAt;
    private long _lastFrameAt;
    private SourceState _source = SourceState.Starting;
    private string? _sourceDetail;

    // The live-view copy: owned by whoever sets _imageBusy from 0 to 1 (the publish stage to copy, a viewer to render).
    private readonly Mat _image = new();
    private readonly LabelMap _labels = new();
    private readonly SemaphoreSlim _renderGate = new(1, 1);
    private OverlayRenderer? _renderer;
    private int _imageBusy;
    private int _viewers;
    private long _imageVersion;
    private long _imageSequence;
    private long _nextCopyAt;
    private TaskCompletionSource _imageArrived = NewSignal();
    private LiveJpeg? _jpeg;

    public LiveFrameSlot(string cameraId, IReadOnlyList<ClassInfo> classes, double overlayFps, int jpegQuality, double alpha = 0.5, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(overlayFps);
        CameraId = cameraId;
        _classes = classes;
        _alpha = alpha;
        _time = time ?? TimeProvider.System;
        _jpegParameters = [new ImageEncodingParam(ImwriteFlags.JpegQuality, jpegQuality)];
        _copyInterval = (long)(_time.TimestampFrequency / overlayFps);
        _rate = new FrameRateWindow((long)(RateWindow.TotalSeconds * _time.TimestampFrequency), _time.TimestampFrequency);
    }

    public string CameraId { get; }

    /// <summary>Viewers watching now (streams and pending snapshots).</summary>
    public int Viewers => Volatile.Read(ref _viewers);

    /// <summary>Frames copied for the live view so far.</summary>
    public long ImageVersion => Volatile.Read(ref _imageVersion);

    /// <summary>Called by the publish stage for every processed frame; allocates nothing unless someone watches.</summary>
    public void Offer(FrameContext frame)
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            _rate.Add(now);
            _lastFrameAt = now;
            _sequence = frame.Sequence;
            _capturedAt = frame.CapturedAt;
            if (_fractions.Length != frame.ClassFractions.Length)
            {
                _fractions = new float[frame.ClassFractions.Length];
            }

            frame.ClassFractions.CopyTo(_fractions, 0);
        }

        if (Volatile.Read(ref _viewers) > 0 && now >= Volatile.Read(ref _nextCopyAt))
        {
            TryCopyImage(frame, now);
        }
    }

    public void SetSource(SourceState state, string? detail)
    {
        lock (_gate)
        {
            _source = state;
            _sourceDetail = detail;
        }
    }

    public LiveCameraState GetState()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var seen = _sequence >= 0;
            return new LiveCameraState(
                CameraId,
                _source,
                _sourceDetail,
                _sequence,
                seen ? _capturedAt : null,
                seen ? _time.GetElapsedTime(_lastFrameAt, now) : null,
                _rate.RateAt(now),
                [.. _fractions]);
        }
    }

    /// <summary>Registers a viewer until the lease is disposed: while any is registered, frames are copied for rendering.</summary>
    public IDisposable Watch()
    {
        Interlocked.Increment(ref _viewers);
        return new ViewerLease(this);
    }

    /// <summary>
    /// Waits for a frame newer than <paramref name="afterVersion"/> (needs a viewer registered with <see cref="Watch"/>)
    /// and returns its overlay as JPEG, rendering it unless another viewer already did.
    /// </summary>
    public async Task<LiveJpeg> NextJpegAsync(long afterVersion, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Take the signal before reading the version: a frame copied in between completes this signal.
            var arrived = Volatile.Read(ref _imageArrived).Task;
            if (Volatile.Read(ref _imageVersion) > afterVersion)
            {
                break;
            }

            await arrived.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        await _renderGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var cached = _jpeg;
            if (cached is not null && cached.Version == Volatile.Read(ref _imageVersion))
            {
                return cached;
            }

            await AcquireImageAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                _renderer ??= new OverlayRenderer(_classes, _alpha);
                var overlay = _renderer.Render(_image, _labels);
                Cv2.ImEncode(".jpg", overlay, out var bytes, _jpegParameters);
                _jpeg = new LiveJpeg(_imageVersion, _imageSequence, bytes);
                return _jpeg;
            }
            finally
            {
                Volatile.Write(ref _imageBusy, 0);
            }
        }
        finally
        {
            _renderGate.Release();
        }
    }

    public void Dispose()
    {
        _renderer?.Dispose();
        _image.Dispose();
        _renderGate.Dispose();
    }

    private void TryCopyImage(FrameContext frame, long now)
    {
        if (frame.Image.Empty() || frame.Labels.Width == 0 || Interlocked.CompareExchange(ref _imageBusy, 1, 0) != 0)
        {
            return;
        }

        try
        {
            frame.Image.CopyTo(_image);
            _labels.Resize(frame.Labels.Width, frame.Labels.Height);
            frame.Labels.Data.CopyTo(_labels.Data);
            _imageSequence = frame.Sequence;
            // Due times advance by whole intervals, so a 15 fps camera gives a 5 fps view (every third frame), not 3.75.
            var next = _nextCopyAt + _copyInterval;
            Volatile.Write(ref _nextCopyAt, next > now ? next : now + _copyInterval);
            Interlocked.Increment(ref _imageVersion);
        }
        finally
        {
            Volatile.Write(ref _imageBusy, 0);
        }

        Interlocked.Exchange(ref _imageArrived, NewSignal()).TrySetResult();
    }

    // The publish stage holds the copy for about a millisecond; poll rather than make it signal.
    private async ValueTask AcquireImageAsync(CancellationToken cancellationToken)
    {
        while (Interlocked.CompareExchange(ref _imageBusy, 1, 0) != 0)
        {
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class ViewerLease(LiveFrameSlot slot) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref slot._viewers);
            }
        }
    }
}
