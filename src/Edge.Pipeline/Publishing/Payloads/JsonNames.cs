using System.Text.Json;

namespace SegMan.Edge.Pipeline.Publishing.Payloads;

/// <summary>Property names of the payloads, encoded once.</summary>
internal static class JsonNames
{
    public static readonly JsonEncodedText Camera = JsonEncodedText.Encode("camera");
    public static readonly JsonEncodedText Sequence = JsonEncodedText.Encode("sequence");
    public static readonly JsonEncodedText CapturedAt = JsonEncodedText.Encode("capturedAt");
    public static readonly JsonEncodedText LatencyMs = JsonEncodedText.Encode("latencyMs");
    public static readonly JsonEncodedText Capture = JsonEncodedText.Encode("capture");
    public static readonly JsonEncodedText Preprocess = JsonEncodedText.Encode("preprocess");
    public static readonly JsonEncodedText Inference = JsonEncodedText.Encode("inference");
    public static readonly JsonEncodedText Postprocess = JsonEncodedText.Encode("postprocess");
    public static readonly JsonEncodedText Total = JsonEncodedText.Encode("total");
    public static readonly JsonEncodedText Classes = JsonEncodedText.Encode("classes");
    public static readonly JsonEncodedText DroppedFrames = JsonEncodedText.Encode("droppedFrames");
    public static readonly JsonEncodedText Window = JsonEncodedText.Encode("window");
    public static readonly JsonEncodedText Start = JsonEncodedText.Encode("start");
    public static readonly JsonEncodedText End = JsonEncodedText.Encode("end");
    public static readonly JsonEncodedText Frames = JsonEncodedText.Encode("frames");
    public static readonly JsonEncodedText Fps = JsonEncodedText.Encode("fps");
    public static readonly JsonEncodedText Coverage = JsonEncodedText.Encode("coverage");
    public static readonly JsonEncodedText Mean = JsonEncodedText.Encode("mean");
    public static readonly JsonEncodedText Min = JsonEncodedText.Encode("min");
    public static readonly JsonEncodedText Max = JsonEncodedText.Encode("max");
    public static readonly JsonEncodedText P50 = JsonEncodedText.Encode("p50");
    public static readonly JsonEncodedText P95 = JsonEncodedText.Encode("p95");
    public static readonly JsonEncodedText P99 = JsonEncodedText.Encode("p99");
    public static readonly JsonEncodedText Errors = JsonEncodedText.Encode("errors");
    public static readonly JsonEncodedText Gaps = JsonEncodedText.Encode("gaps");
    public static readonly JsonEncodedText Outages = JsonEncodedText.Encode("outages");
    public static readonly JsonEncodedText DownSeconds = JsonEncodedText.Encode("downSeconds");
    public static readonly JsonEncodedText Reconnects = JsonEncodedText.Encode("reconnects");
    public static readonly JsonEncodedText Publishing = JsonEncodedText.Encode("publishing");
    public static readonly JsonEncodedText StatsDropped = JsonEncodedText.Encode("statsDropped");
    public static readonly JsonEncodedText MasksDropped = JsonEncodedText.Encode("masksDropped");
    public static readonly JsonEncodedText SummariesDropped = JsonEncodedText.Encode("summariesDropped");
}
