using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent.Metrics;

/// <summary>
/// The publisher the pipelines see: shows each frame to the observers (metrics, live view), then hands it to the real
/// publisher. Keeps metrics and the live view out of the pipeline library.
/// </summary>
internal sealed class ObservedResultPublisher(IResultPublisher inner, IFrameObserver[] observers) : IResultPublisher
{
    public ValueTask PublishAsync(FrameContext frame, CancellationToken cancellationToken)
    {
        foreach (var observer in observers)
        {
            observer.OnFrame(frame);
        }

        return inner.PublishAsync(frame, cancellationToken);
    }

    public ValueTask ReportSourceStateAsync(string cameraId, SourceState state, string? detail, CancellationToken cancellationToken)
    {
        foreach (var observer in observers)
        {
            observer.OnSourceState(cameraId, state, detail);
        }

        return inner.ReportSourceStateAsync(cameraId, state, detail, cancellationToken);
    }

    public ValueTask ReportFrameErrorAsync(string cameraId, string stage, CancellationToken cancellationToken) =>
        inner.ReportFrameErrorAsync(cameraId, stage, cancellationToken);
}
