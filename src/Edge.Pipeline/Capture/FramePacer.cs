namespace SegMan.Edge.Pipeline.Capture;

/// <summary>
/// Paces file playback to a frame rate, like a camera. The first frame goes at once; a late reader is not
/// made to catch up (ticks do not pile up), so a slow pipeline simply sees a slower file.
/// </summary>
internal sealed class FramePacer : IDisposable
{
    private readonly PeriodicTimer _timer;
    private bool _started;

    public FramePacer(double fps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fps);
        Fps = fps;
        _timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / fps));
    }

    public double Fps { get; }

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (!_started)
        {
            _started = true;
            return;
        }

        await _timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _timer.Dispose();
}
