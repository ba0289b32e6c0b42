using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SegMan.Edge.Agent.Http;

/// <summary>
/// <c>/healthz</c>: the process is alive and serving. <c>/readyz</c>: the health checks tagged
/// <see cref="ReadyTag"/> (model loaded, every camera streaming, MQTT connected), as JSON; 503 while any is not.
/// </summary>
internal static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static void MapHealth(this IEndpointRouteBuilder endpoints, HealthCheckService health)
    {
        endpoints.MapGet("/healthz", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Text("""{"status":"alive"}""", "application/json");
        });

        endpoints.MapGet("/readyz", async (HttpContext context) =>
        {
            var report = await health.CheckHealthAsync(check => check.Tags.Contains(ReadyTag), context.RequestAborted).ConfigureAwait(false);
            var response = context.Response;
            response.StatusCode = report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            response.ContentType = "application/json";
            response.Headers.CacheControl = "no-store";
            await WriteAsync(response.Body, report, context.RequestAborted).ConfigureAwait(false);
        });
    }

    private static async Task WriteAsync(Stream body, HealthReport report, CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(body);
        json.WriteStartObject();
        json.WriteString("status", report.Status == HealthStatus.Healthy ? "ready" : "not ready");
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteBoolean("ready", entry.Status == HealthStatus.Healthy);
            json.WriteString("description", entry.Description ?? entry.Exception?.Message);
            if (entry.Data.Count > 0)
            {
                json.WriteStartObject("data");
                foreach (var (key, value) in entry.Data)
                {
                    json.WriteString(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
