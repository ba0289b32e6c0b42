using System.Runtime.CompilerServices;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>
/// Paces file playback to a frame rate, like a camera. The first frame goes at once and starts the clock; a late
/// reader is not made to catch up (at most one tick is kept), so a slow pipeline simply sees a slower file.
/// </summary>
internal sealed class FramePacer : IDisposable
{
    private readonly TimeSpan _period;
    private PeriodicTimer? _timer;

    public FramePacer(double fps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fps);
        Fps = fps;
        _period = TimeSpan.FromSeconds(1 / fps);
    }

    public double Fps { get; }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (_timer is null)
        {
            _timer = new PeriodicTimer(_period);
            return;
        }

        await _timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _timer?.Dispose();
}
