using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SegMan.Edge.Pipeline.Publishing;

namespace SegMan.Edge.Agent.Http.Health;

/// <summary>Ready while every configured camera has processed a frame within <see cref="HttpOptions.ReadyFrameAgeSeconds"/>.</summary>
internal sealed class CamerasHealthCheck(LiveFrames live, IOptions<HttpOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var maxAge = TimeSpan.FromSeconds(options.Value.ReadyFrameAgeSeconds);
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var stale = new List<string>();
        foreach (var id in live.CameraIds)
        {
            var state = live.Find(id)?.GetState();
            var age = state?.FrameAge;
            var describe = age is null
                ? $"no frame yet ({Describe(state?.Source)})"
                : $"last frame {age.Value.TotalSeconds:F1} s ago ({Describe(state?.Source)})";
            data[id] = describe;
            if (age is null || age > maxAge)
            {
                stale.Add($"{id}: {describe}");
            }
        }

        var result = stale.Count == 0
            ? HealthCheckResult.Healthy($"{live.CameraIds.Count} camera(s) streaming", data)
            : HealthCheckResult.Unhealthy($"no frame within {maxAge.TotalSeconds:F0} s from {string.Join("; ", stale)}", data: data);
        return Task.FromResult(result);
    }

    private static string Describe(SourceState? state) => (state ?? SourceState.Starting).ToString().ToLowerInvariant();
}
