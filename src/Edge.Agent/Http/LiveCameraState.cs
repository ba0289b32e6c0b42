using SegMan.Edge.Pipeline.Publishing;

namespace SegMan.Edge.Agent.Http;

/// <summary>What a camera's slot knows about its latest processed frame, copied out for readers.</summary>
/// <param name="Sequence">Sequence of the latest processed frame; -1 before the first.</param>
/// <param name="FrameAge">Time since the latest processed frame; null before the first.</param>
/// <param name="ClassFractions">Fraction of pixels per class id in the latest frame.</param>
internal sealed record LiveCameraState(
    string CameraId,
    SourceState Source,
    string? SourceDetail,
    long Sequence,
    DateTimeOffset? CapturedAt,
    TimeSpan? FrameAge,
    double Fps,
    float[] ClassFractions);
