using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Inference;

/// <summary>Runs the segmentation model on a preprocessed frame.</summary>
public interface ISegmenter : IDisposable
{
    ModelManifest Manifest { get; }

    /// <summary>The execution provider that actually runs (after fallback), e.g. "cpu".</summary>
    string ExecutionProvider { get; }

    /// <summary>Reads <see cref="FrameContext.Input"/> and writes <see cref="FrameContext.Output"/>.</summary>
    void Run(FrameContext frame);
}
