using System.Diagnostics;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>
/// Decimates a live stream to at most a given rate: a frame is kept when its slot is due, others are skipped.
/// A quarter-interval tolerance absorbs arrival jitter, so a 30 fps camera capped at 15 keeps every other frame.
/// </summary>
internal sealed class FrameRateLimiter
{
    private readonly long _interval;
    private readonly long _tolerance;
    private long _nextDue;
    private bool _started;

    public FrameRateLimiter(double maxFps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFps);
        _interval = (long)(Stopwatch.Frequency / maxFps);
        _tolerance = _interval / 4;
    }

    /// <summary>Frames skipped so far.</summary>
    public long Skipped { get; private set; }

    /// <summary>Whether the frame that arrived at <paramref name="timestamp"/> (<see cref="Stopwatch"/> ticks) is kept.</summary>
    public bool ShouldKeep(long timestamp)
    {
        if (_started && timestamp < _nextDue - _tolerance)
        {
            Skipped++;
            return false;
        }

        // Keep the cadence, but never bank credit for a long gap (that would let a burst through).
        _nextDue = _started ? Math.Max(_nextDue + _interval, timestamp + _interval) : timestamp + _interval;
        _started = true;
        return true;
    }
}
