using OpenCvSharp;
using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Pipeline.Tests.CameraPipelines;

/// <summary>A frame source that plays a script: frames, failures and the end, with an optional delay per read.</summary>
internal sealed class ScriptedFrameSource(bool isLive, params ScriptedFrameSource.Step[] steps) : IFrameSource
{
    private int _next;

    public enum Step
    {
        Frame,
        Fail,
        End,
    }

    public string Name => "scripted";

    public bool IsLive { get; } = isLive;

    public TimeSpan ReadDelay { get; init; }

    public int Opens { get; private set; }

    public bool Disposed { get; private set; }

    public ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        Opens++;
        return ValueTask.CompletedTask;
    }

    public async ValueTask<bool> ReadAsync(Mat destination, CancellationToken cancellationToken)
    {
        if (ReadDelay > TimeSpan.Zero)
        {
            await Task.Delay(ReadDelay, cancellationToken);
        }

        var step = _next < steps.Length ? steps[_next++] : Step.End;
        switch (step)
        {
            case Step.Fail:
                throw new FrameSourceException("scripted failure");
            case Step.End:
                return false;
            default:
                destination.Create(8, 16, MatType.CV_8UC3);
                destination.SetTo(new Scalar(_next, _next, _next));
                return true;
        }
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }

    public static Step[] Frames(int count) => Enumerable.Repeat(Step.Frame, count).ToArray();
}
