using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent.Metrics;

/// <summary>
/// Sees every processed frame on the publish stage, before the frame goes back to its pool. Implementations run on
/// the pipeline's thread: they must be quick, must not block, and should allocate nothing per frame.
/// </summary>
internal interface IFrameObserver
{
    void OnFrame(FrameContext frame);

    void OnSourceState(string cameraId, SourceState state, string? detail);
}
