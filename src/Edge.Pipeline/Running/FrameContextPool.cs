using System.Threading.Channels;

namespace SegMan.Edge.Pipeline.Running;

/// <summary>
/// A fixed set of <see cref="FrameContext"/>s for one camera. The pipeline sizes it so that a live capture
/// loop always finds a free context: every context is either free, in a channel, or held by one stage.
/// Backed by a single-reader channel, so renting allocates nothing even when it has to wait.
/// </summary>
public sealed class FrameContextPool : IDisposable
{
    private readonly Channel<FrameContext> _free;
    private readonly FrameContext[] _all;

    public FrameContextPool(string cameraId, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        _free = Channel.CreateUnbounded<FrameContext>(new UnboundedChannelOptions { SingleReader = true });
        _all = new FrameContext[size];
        for (var i = 0; i < size; i++)
        {
            _all[i] = new FrameContext(cameraId);
            _free.Writer.TryWrite(_all[i]);
        }
    }

    public int Size => _all.Length;

    public int Available => _free.Reader.Count;

    /// <summary>Takes a free context, waiting for one to come back if none is free.</summary>
    public async ValueTask<FrameContext> RentAsync(CancellationToken cancellationToken)
    {
        var frame = await _free.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        frame.Reset();
        return frame;
    }

    public void Return(FrameContext frame) => _free.Writer.TryWrite(frame);

    public void Dispose()
    {
        foreach (var frame in _all)
        {
            frame.Dispose();
        }
    }
}
