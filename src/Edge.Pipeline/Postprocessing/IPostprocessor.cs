using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Postprocessing;

/// <summary>
/// Turns <see cref="FrameContext.Output"/> into <see cref="FrameContext.Labels"/>, <see cref="FrameContext.ClassFractions"/>
/// and, when due, <see cref="FrameContext.Mask"/>.
/// </summary>
public interface IPostprocessor
{
    void Process(FrameContext frame);
}
