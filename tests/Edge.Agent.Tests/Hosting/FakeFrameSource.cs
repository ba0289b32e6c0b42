using OpenCvSharp;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Agent.Tests.Hosting;

/// <summary>
/// Small grey frames: a file that ends after <c>frames</c> frames, or (null) a live camera that delivers one frame and
/// then waits for the next until it is stopped.
/// </summary>
internal sealed class FakeFrameSource(int? frames) : IFrameSource
{
    private int _delivered;

    public string Name => frames is null ? "fake camera" : "fake file";

    public bool IsLive => frames is null;

    public ValueTask OpenAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask<bool> ReadAsync(Mat destination, CancellationToken cancellationToken)
    {
        if (_delivered >= (frames ?? 1))
        {
            if (frames is not null)
            {
                return false;
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        _delivered++;
        destination.Create(8, 16, MatType.CV_8UC3);
        destination.SetTo(new Scalar(100, 100, 100));
        return true;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
