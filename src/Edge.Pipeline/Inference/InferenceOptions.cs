namespace SegMan.Edge.Pipeline.Inference;

/// <summary>The model and how ONNX Runtime runs it (configuration section <c>SegMan:Model</c>).</summary>
public sealed record InferenceOptions
{
    public const string SectionName = "SegMan:Model";

    /// <summary>The <c>.onnx</c> file; its manifest <c>&lt;model&gt;.json</c> lies beside it. Required.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>tensorrt</c>; falls back tensorrt → cuda → cpu when one is not available.</summary>
    public string ExecutionProvider { get; set; } = "cpu";

    /// <summary>Path of <c>libsegman_ops.so</c> for models with custom ops; searched for when not set.</summary>
    public string? CustomOpLibrary { get; set; }

    /// <summary>Threads ONNX Runtime may use inside one operator; 0 keeps its default (one per core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>The GPU for the CUDA and TensorRT providers.</summary>
    public int DeviceId { get; set; }

    public TensorRtOptions TensorRt { get; set; } = new();
}
