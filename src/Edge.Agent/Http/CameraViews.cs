using System.Text.Json;
using System.Text.Json.Serialization;

namespace SegMan.Edge.Agent.Http;

/// <summary>The <c>/api/cameras</c> body: the model and every configured camera with its latest frame's class coverage.</summary>
internal sealed record CamerasResponse(ModelView Model, IReadOnlyList<CameraView> Cameras);

internal sealed record ModelView(string Name, string Precision, string ExecutionProvider);

/// <param name="Source">starting, streaming, reconnecting, ended or failed.</param>
/// <param name="Sequence">Sequence of the latest processed frame; -1 before the first.</param>
internal sealed record CameraView(
    string Id,
    string Source,
    string? SourceDetail,
    long Sequence,
    DateTimeOffset? CapturedAt,
    double? FrameAgeSeconds,
    double Fps,
    long FramesProcessed,
    long FramesDropped,
    long Errors,
    long Reconnects,
    string Stream,
    string Snapshot,
    IReadOnlyList<ClassCoverage> Coverage);

/// <param name="Color">The class colour as <c>#rrggbb</c>.</param>
/// <param name="Fraction">Share of the latest frame's pixels, 0 to 1.</param>
internal sealed record ClassCoverage(int Id, string Name, string Color, double Fraction);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CamerasResponse))]
internal sealed partial class LiveViewJsonContext : JsonSerializerContext;
