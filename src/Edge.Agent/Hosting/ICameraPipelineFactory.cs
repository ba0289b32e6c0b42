using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Agent.Hosting;

/// <summary>Builds a fresh pipeline for one camera; the supervisor calls it again for every restart.</summary>
internal interface ICameraPipelineFactory
{
    CameraPipeline Create(CameraOptions camera);
}
