namespace SegMan.Edge.Agent.Http;

/// <summary>
/// Frames per second over the last <c>window</c>, from the timestamps of the newest frames (a fixed ring, so adding
/// allocates nothing). A camera that stops delivering falls to 0 once its frames are older than the window.
/// Not thread-safe: the owner serialises access.
/// </summary>
internal sealed class FrameRateWindow
{
    private readonly long[] _stamps;
    private readonly long _window;
    private readonly long _frequency;
    private int _next;
    private int _count;

    /// <param name="window">How far back frames count, in timestamp ticks.</param>
    /// <param name="frequency">Timestamp ticks per second.</param>
    /// <param name="capacity">Frames kept; above capacity/window fps only the newest frames are used, which is still exact.</param>
    public FrameRateWindow(long window, long frequency, int capacity = 64)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frequency);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _stamps = new long[capacity];
        _window = window;
        _frequency = frequency;
    }

    public void Add(long timestamp)
    {
        _stamps[_next] = timestamp;
        _next = (_next + 1) % _stamps.Length;
        _count = Math.Min(_count + 1, _stamps.Length);
    }

    /// <summary>Frames per second among the frames no older than the window at <paramref name="now"/>; 0 with fewer than two.</summary>
    public double RateAt(long now)
    {
        var frames = 0;
        long newest = 0;
        long oldest = 0;
        for (var i = 0; i < _count; i++)
        {
            var stamp = _stamps[(_next - 1 - i + _stamps.Length) % _stamps.Length];
            if (now - stamp > _window)
            {
                break;
            }

            newest = frames == 0 ? stamp : newest;
            oldest = stamp;
            frames++;
        }

        return frames < 2 || newest == oldest ? 0 : (frames - 1) * (double)_frequency / (newest - oldest);
    }
}
