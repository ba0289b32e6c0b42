using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Pipeline.Publishing;

/// <summary>What the birth message tells the fleet about this agent: version, model, execution provider, cameras.</summary>
public sealed record DeviceDescription
{
    public required string Version { get; init; }

    public required string ModelName { get; init; }

    public string ModelVariant { get; init; } = "";

    public string Precision { get; init; } = "fp32";

    /// <summary>The ONNX Runtime execution provider the segmenter ended up on (TensorRT, CUDA, CPU).</summary>
    public string ExecutionProvider { get; init; } = "CPU";

    public required IReadOnlyList<string> Cameras { get; init; }

    /// <summary>The model's classes; their names key the per-class values in stats and summaries.</summary>
    public IReadOnlyList<ClassInfo> Classes { get; init; } = [];

    public static DeviceDescription FromManifest(ModelManifest manifest, string version, string executionProvider, IReadOnlyList<string> cameras)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new DeviceDescription
        {
            Version = version,
            ModelName = manifest.Name,
            ModelVariant = manifest.Variant,
            Precision = manifest.Precision,
            ExecutionProvider = executionProvider,
            Cameras = cameras,
            Classes = manifest.Classes,
        };
    }
}
