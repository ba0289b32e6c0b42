using System.Text.Json.Serialization;

namespace SegMan.Edge.Pipeline.Models;

/// <summary>
/// What a model expects and produces: read from <c>&lt;model&gt;.json</c> beside <c>&lt;model&gt;.onnx</c>.
/// </summary>
public sealed record ModelManifest
{
    public required string Name { get; init; }
    public required string Variant { get; init; }
    public required ModelInputSpec Input { get; init; }
    public required ModelOutputSpec Output { get; init; }
    public required IReadOnlyList<ClassInfo> Classes { get; init; }
    public string Precision { get; init; } = "fp32";
    public CustomOpsSpec CustomOps { get; init; } = new();
    public TrainingInfo? Training { get; init; }

    /// <summary>Sliding-window inference over a frame larger than the input; absent: the whole frame is resized to the input.</summary>
    public SlideSpec? Slide { get; init; }

    /// <summary>The size frames are resized to before inference: the slide's frame size, or the input size.</summary>
    [JsonIgnore]
    public int FrameHeight => Slide?.Height ?? Input.Height;

    /// <inheritdoc cref="FrameHeight"/>
    [JsonIgnore]
    public int FrameWidth => Slide?.Width ?? Input.Width;
}

/// <summary>The model input: a fixed-size image tensor, normalised per channel after the colour conversion.</summary>
public sealed record ModelInputSpec
{
    public string Name { get; init; } = "image";
    public required int Height { get; init; }
    public required int Width { get; init; }
    public string Layout { get; init; } = "NCHW";
    public string Dtype { get; init; } = "float32";
    public string ColorOrder { get; init; } = "RGB";
    public required IReadOnlyList<float> Mean { get; init; }
    public required IReadOnlyList<float> Std { get; init; }
}

/// <summary>
/// The model output: per-class logits or a label map, at 1/<see cref="Stride"/> of the input. With
/// <see cref="Upsample"/> <c>bilinear</c> the logits are resized to the input size before the argmax, as segmentation
/// toolkits score their models; with <c>none</c> the label map stays at the output size.
/// </summary>
public sealed record ModelOutputSpec
{
    public string Name { get; init; } = "logits";
    public required string Kind { get; init; }
    public int Stride { get; init; } = 1;

    /// <summary><c>none</c> (argmax at the output size) or <c>bilinear</c> (logits only: resize to the input size first).</summary>
    public string Upsample { get; init; } = "none";

    [JsonIgnore]
    public bool IsLabels => string.Equals(Kind, "labels", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the logits are resized bilinearly (PyTorch's <c>align_corners=False</c>) to the input size before the argmax.</summary>
    [JsonIgnore]
    public bool IsBilinear => string.Equals(Upsample, "bilinear", StringComparison.OrdinalIgnoreCase);
}

/// <summary>One class: its training id, name and display colour (R, G, B).</summary>
public sealed record ClassInfo(int Id, string Name, IReadOnlyList<byte> Color);

/// <summary>The custom ops a graph needs from the native library (empty for a standard-ops graph).</summary>
public sealed record CustomOpsSpec
{
    public string Domain { get; init; } = "com.segman.edge";
    public IReadOnlyList<string> Ops { get; init; } = [];
}

/// <summary>Where the weights came from and how well they did.</summary>
public sealed record TrainingInfo
{
    public string? Data { get; init; }

    [JsonPropertyName("mIoU")]
    public double? MeanIoU { get; init; }
}
