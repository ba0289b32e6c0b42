using OpenCvSharp;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>
/// One opened OpenCV capture and the thread that owns it. Every OpenCV call on the capture runs on that thread;
/// the caller reads <see cref="Frame"/> only between calls. After a call times out or is cancelled the session
/// is abandoned and a new one must be opened; the hung thread releases the capture if its call ever returns.
/// </summary>
internal sealed class OpenCvCaptureSession : ICaptureDevice, IDisposable
{
    private readonly OpenCvCapturePlan _plan;
    private readonly BlockingCallThread<CaptureOutcome> _thread;
    private readonly Func<CaptureOutcome> _openCall;
    private readonly Func<CaptureOutcome> _readCall;
    private readonly Func<bool> _isAbandoned;
    private VideoCapture? _capture;

    public OpenCvCaptureSession(OpenCvCapturePlan plan, FrameReadLoop readLoop, string threadName)
    {
        _plan = plan;
        ReadLoop = readLoop;
        _openCall = Open;
        _readCall = () => ReadLoop.Read(this, Frame, _isAbandoned!);
        _thread = new BlockingCallThread<CaptureOutcome>(threadName, Release);
        _isAbandoned = () => _thread.IsAbandoned;
    }

    /// <summary>The last frame read; valid until the next call.</summary>
    public Mat Frame { get; } = new();

    public FrameReadLoop ReadLoop { get; }

    public bool IsAbandoned => _thread.IsAbandoned;

    public Task Exited => _thread.Exited;

    /// <summary>Frame rate reported by the capture after opening (0 when unknown).</summary>
    public double Fps { get; private set; }

    public Size FrameSize { get; private set; }

    public string Backend { get; private set; } = "";

    public ValueTask<CaptureOutcome> OpenAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _thread.RunAsync(_openCall, timeout, cancellationToken);

    public ValueTask<CaptureOutcome> ReadAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _thread.RunAsync(_readCall, timeout, cancellationToken);

    public void Dispose() => _thread.Dispose();

    bool ICaptureDevice.Grab() => _capture!.Grab();

    bool ICaptureDevice.Retrieve(Mat frame) => _capture!.Retrieve(frame);

    bool ICaptureDevice.Rewind()
    {
        if (_capture!.Set(VideoCaptureProperties.PosFrames, 0) && _capture.Get(VideoCaptureProperties.PosFrames) == 0)
        {
            return true;
        }

        // Some containers cannot seek; opening the file again always starts at its first frame.
        _capture.Dispose();
        _capture = _plan.Create();
        return _capture.IsOpened();
    }

    private CaptureOutcome Open()
    {
        _capture = _plan.Create();
        if (!_capture.IsOpened())
        {
            return CaptureOutcome.Failed;
        }

        double fps = _capture.Get(VideoCaptureProperties.Fps);
        Fps = double.IsFinite(fps) && fps > 0 ? fps : 0;
        FrameSize = new Size(_capture.FrameWidth, _capture.FrameHeight);
        Backend = _capture.GetBackendName();
        return CaptureOutcome.Ok;
    }

    private void Release()
    {
        _capture?.Dispose();
        _capture = null;
        Frame.Dispose();
    }
}
