using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Bench;

/// <summary>Ends the pipeline without sending anything, to measure the stages alone.</summary>
internal sealed class NullPublisher : IResultPublisher
{
    public ValueTask PublishAsync(FrameContext frame, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask ReportSourceStateAsync(string cameraId, SourceState state, string? detail, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;
}
