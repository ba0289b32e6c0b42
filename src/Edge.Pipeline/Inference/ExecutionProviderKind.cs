namespace SegMan.Edge.Pipeline.Inference;

/// <summary>The ONNX Runtime execution providers the agent knows, fastest first: each falls back to the next.</summary>
public enum ExecutionProviderKind
{
    TensorRt,
    Cuda,
    Cpu,
}
