using System.Diagnostics;
using OpenCvSharp;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>
/// The frame policy of <see cref="OpenCvSource"/>, run on the capture thread.
/// Empty frames (a failed grab or decode on a live source, or an empty image from either) are skipped and
/// counted in <see cref="EmptyFrames"/>; when no usable frame arrives before the read timeout the read fails,
/// and the caller reopens the source. A file that runs out ends, or rewinds when looping. A live source
/// faster than the configured maximum rate has its early frames grabbed but not decoded.
/// </summary>
internal sealed class FrameReadLoop
{
    private static readonly TimeSpan FailedGrabPause = TimeSpan.FromMilliseconds(10);
    private readonly bool _isLive;
    private readonly bool _loop;
    private readonly long _timeoutTicks;
    private readonly FrameRateLimiter? _limiter;

    public FrameReadLoop(bool isLive, bool loop, TimeSpan readTimeout, double maxFps)
    {
        _isLive = isLive;
        _loop = loop && !isLive;
        _timeoutTicks = (long)(readTimeout.TotalSeconds * Stopwatch.Frequency);
        _limiter = isLive && maxFps > 0 ? new FrameRateLimiter(maxFps) : null;
    }

    /// <summary>Empty or failed frames skipped so far.</summary>
    public long EmptyFrames { get; private set; }

    /// <summary>Frames skipped to honour the maximum rate (live sources).</summary>
    public long SkippedFrames => _limiter?.Skipped ?? 0;

    /// <summary>Times a looping file went back to its start.</summary>
    public long Rewinds { get; private set; }

    /// <summary>Set when the outcome is <see cref="CaptureOutcome.Failed"/>: why.</summary>
    public string? FailureReason { get; private set; }

    public CaptureOutcome Read(ICaptureDevice device, Mat frame, Func<bool> abandoned)
    {
        long deadline = Stopwatch.GetTimestamp() + _timeoutTicks;
        long emptyAtStart = EmptyFrames;
        bool rewound = false;
        FailureReason = null;
        while (!abandoned())
        {
            if (device.Grab())
            {
                if (_limiter is not null && !_limiter.ShouldKeep(Stopwatch.GetTimestamp()))
                {
                    continue;
                }

                if (device.Retrieve(frame) && !frame.Empty())
                {
                    return CaptureOutcome.Ok;
                }

                EmptyFrames++;
            }
            else if (!_isLive)
            {
                if (!_loop)
                {
                    return CaptureOutcome.EndOfStream;
                }

                if (rewound || !device.Rewind())
                {
                    FailureReason = rewound ? "no frame after going back to the start" : "could not go back to the start";
                    return CaptureOutcome.Failed;
                }

                rewound = true;
                Rewinds++;
            }
            else
            {
                EmptyFrames++;
                Thread.Sleep(FailedGrabPause);
            }

            if (Stopwatch.GetTimestamp() >= deadline)
            {
                FailureReason = $"{EmptyFrames - emptyAtStart} empty or failed reads and no usable frame";
                return CaptureOutcome.Failed;
            }
        }

        FailureReason = "the read was abandoned";
        return CaptureOutcome.Failed;
    }
}
