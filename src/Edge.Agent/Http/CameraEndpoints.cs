using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SegMan.Edge.Agent.Hosting;

namespace SegMan.Edge.Agent.Http;

/// <summary>
/// <c>/api/cameras</c> (JSON: state, rates and the latest frame's class coverage), <c>/cameras/{id}/snapshot.jpg</c>
/// (the next overlay frame) and <c>/cameras/{id}/stream</c> (overlay frames as MJPEG, at most
/// <see cref="HttpOptions.OverlayFps"/>). Overlays are drawn only for these requests.
/// </summary>
internal static class CameraEndpoints
{
    public const string Boundary = "segman-frame";

    private static readonly TimeSpan SnapshotTimeout = TimeSpan.FromSeconds(5);
    private static readonly byte[] PartEnd = "\r\n"u8.ToArray();

    public static void MapCameras(this IEndpointRouteBuilder endpoints, LiveFrames live, PipelineRegistry pipelines, ModelRuntime model, CancellationToken stopping)
    {
        endpoints.MapGet("/api/cameras", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return model.IsLoaded
                ? Results.Json(Describe(live, pipelines, model), LiveViewJsonContext.Default.CamerasResponse)
                : StillLoading(model);
        });

        endpoints.MapGet("/cameras/{id}/snapshot.jpg", async (string id, HttpContext context) =>
        {
            if (!model.IsLoaded)
            {
                return StillLoading(model);
            }

            if (live.Find(id) is not { } slot)
            {
                return Results.Text($"No camera '{id}'.", statusCode: StatusCodes.Status404NotFound);
            }

            using var lease = slot.Watch();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            deadline.CancelAfter(SnapshotTimeout);
            try
            {
                var jpeg = await slot.NextJpegAsync(slot.ImageVersion, deadline.Token).ConfigureAwait(false);
                context.Response.Headers.CacheControl = "no-store";
                context.Response.Headers["X-Frame-Sequence"] = jpeg.Sequence.ToString(CultureInfo.InvariantCulture);
                return Results.Bytes(jpeg.Bytes, "image/jpeg");
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                return Results.Text($"Camera '{id}' delivered no frame within {SnapshotTimeout.TotalSeconds:F0} s.", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });

        endpoints.MapGet("/cameras/{id}/stream", async (string id, HttpContext context) =>
        {
            if (!model.IsLoaded)
            {
                await StillLoading(model).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            if (live.Find(id) is not { } slot)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await StreamAsync(slot, context.Response, stopping, context.RequestAborted).ConfigureAwait(false);
        });
    }

    // Cameras, their slots and the class palette exist once the model is loaded; until then a request would wait for it.
    private static IResult StillLoading(ModelRuntime model) => Results.Text(
        $"The model is still loading ({model.LoadingFor?.TotalSeconds ?? 0:F0} s so far); cameras start once it is loaded.",
        statusCode: StatusCodes.Status503ServiceUnavailable);

    /// <summary>Writes overlay frames as <c>multipart/x-mixed-replace</c> until the client leaves or the server stops.</summary>
    private static async Task StreamAsync(LiveFrameSlot slot, HttpResponse response, CancellationToken stopping, CancellationToken aborted)
    {
        response.ContentType = $"multipart/x-mixed-replace; boundary={Boundary}";
        response.Headers.CacheControl = "no-store";
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(stopping, aborted);
        using var lease = slot.Watch();
        var version = slot.ImageVersion;
        try
        {
            // Headers now, so the client sees the stream open before the first frame is due.
            await response.StartAsync(watching.Token).ConfigureAwait(false);
            await response.Body.FlushAsync(watching.Token).ConfigureAwait(false);
            while (true)
            {
                var jpeg = await slot.NextJpegAsync(version, watching.Token).ConfigureAwait(false);
                version = jpeg.Version;
                var header = Encoding.ASCII.GetBytes(
                    $"--{Boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {jpeg.Bytes.Length}\r\nX-Frame-Sequence: {jpeg.Sequence}\r\n\r\n");
                await response.Body.WriteAsync(header, watching.Token).ConfigureAwait(false);
                await response.Body.WriteAsync(jpeg.Bytes, watching.Token).ConfigureAwait(false);
                await response.Body.WriteAsync(PartEnd, watching.Token).ConfigureAwait(false);
                await response.Body.FlushAsync(watching.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (watching.IsCancellationRequested)
        {
            // The viewer left or the agent is stopping.
        }
    }

    internal static CamerasResponse Describe(LiveFrames live, PipelineRegistry pipelines, ModelRuntime model)
    {
        var segmenter = model.Segmenter;
        var classes = segmenter.Manifest.Classes;
        var running = pipelines.Snapshot().ToDictionary(p => p.CameraId, p => p.Counters, StringComparer.Ordinal);
        var cameras = new List<CameraView>(live.CameraIds.Count);
        foreach (var id in live.CameraIds)
        {
            var state = live.Find(id)!.GetState();
            running.TryGetValue(id, out var counters);
            var coverage = classes
                .Select(c => new ClassCoverage(
                    c.Id,
                    c.Name,
                    $"#{c.Color[0]:x2}{c.Color[1]:x2}{c.Color[2]:x2}",
                    c.Id < state.ClassFractions.Length ? Math.Round(state.ClassFractions[c.Id], 5) : 0))
                .ToList();
            var escaped = Uri.EscapeDataString(id);
            cameras.Add(new CameraView(
                id,
                state.Source.ToString().ToLowerInvariant(),
                state.SourceDetail,
                state.Sequence,
                state.CapturedAt,
                state.FrameAge is { } age ? Math.Round(age.TotalSeconds, 3) : null,
                Math.Round(state.Fps, 2),
                counters?.FramesProcessed ?? 0,
                counters?.FramesDropped ?? 0,
                counters?.StageErrors ?? 0,
                counters?.Reconnects ?? 0,
                $"/cameras/{escaped}/stream",
                $"/cameras/{escaped}/snapshot.jpg",
                coverage));
        }

        return new CamerasResponse(new ModelView(segmenter.Manifest.Name, segmenter.Manifest.Precision, segmenter.ExecutionProvider), cameras);
    }
}
