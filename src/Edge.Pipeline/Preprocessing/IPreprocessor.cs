using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Preprocessing;

/// <summary>Turns <see cref="FrameContext.Image"/> into the model input tensor <see cref="FrameContext.Input"/>.</summary>
public interface IPreprocessor
{
    void Process(FrameContext frame);
}
