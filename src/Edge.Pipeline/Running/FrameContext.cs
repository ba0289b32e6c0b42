using OpenCvSharp;

namespace SegMan.Edge.Pipeline.Running;

/// <summary>
/// One frame's journey through the stages. Contexts are pooled per camera: every buffer in here is
/// allocated on first use and reused afterwards, so the steady state allocates (almost) nothing.
/// A stage may keep nothing from a context after handing it on.
/// </summary>
public sealed class FrameContext : IDisposable
{
    public FrameContext(string cameraId)
    {
        CameraId = cameraId;
    }

    public string CameraId { get; }

    /// <summary>The captured frame, BGR 8-bit, as the source delivered it.</summary>
    public Mat Image { get; } = new();

    /// <summary>Increases by one per frame read from the source (dropped frames keep their numbers).</summary>
    public long Sequence { get; set; }

    /// <summary>Wall-clock time at which the frame was read.</summary>
    public DateTimeOffset CapturedAt { get; set; }

    /// <summary>Frames the source dropped (live sources keep the newest) up to this one.</summary>
    public long DroppedFrames { get; set; }

    public StageTimings Timings;

    /// <summary>The model input, written by the preprocessor.</summary>
    public TensorBuffer? Input { get; set; }

    /// <summary>The raw model output (logits or labels), written by the segmenter.</summary>
    public TensorBuffer? Output { get; set; }

    /// <summary>The label map at model-output resolution, written by the postprocessor.</summary>
    public LabelMap Labels { get; } = new();

    /// <summary>Fraction of pixels of each class id (index = class id), written by the postprocessor.</summary>
    public float[] ClassFractions { get; set; } = [];

    /// <summary>The encoded mask, when one is due for this frame.</summary>
    public EncodedMask Mask { get; } = new();

    /// <summary>Clears per-frame state before the context is reused; buffers are kept.</summary>
    public void Reset()
    {
        Sequence = 0;
        CapturedAt = default;
        DroppedFrames = 0;
        Timings = default;
        Mask.Clear();
    }

    public void Dispose() => Image.Dispose();
}
