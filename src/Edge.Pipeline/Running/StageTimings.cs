namespace SegMan.Edge.Pipeline.Running;

/// <summary>Time one frame spent in each stage. A mutable struct so stages update it in place without allocating.</summary>
public struct StageTimings
{
    public TimeSpan Capture;
    public TimeSpan Preprocess;
    public TimeSpan Inference;
    public TimeSpan Postprocess;

    public readonly TimeSpan Total => Capture + Preprocess + Inference + Postprocess;
}
