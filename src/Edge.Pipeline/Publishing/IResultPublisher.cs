using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Publishing;

/// <summary>
/// Sends a processed frame's results (stats, mask, and the windowed summary it feeds) to the fleet.
/// Implementations copy what they keep: the frame goes back to its pool when the call returns.
/// </summary>
public interface IResultPublisher
{
    ValueTask PublishAsync(FrameContext frame, CancellationToken cancellationToken);

    /// <summary>Reports that a camera's source went down or came back (for status and gap reporting).</summary>
    ValueTask ReportSourceStateAsync(string cameraId, SourceState state, string? detail, CancellationToken cancellationToken);

    /// <summary>Reports that a stage failed on one frame of a camera (counted as an error in the camera's summary).</summary>
    ValueTask ReportFrameErrorAsync(string cameraId, string stage, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
