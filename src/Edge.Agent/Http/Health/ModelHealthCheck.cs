using Microsoft.Extensions.Diagnostics.HealthChecks;
using SegMan.Edge.Agent.Hosting;

namespace SegMan.Edge.Agent.Http.Health;

/// <summary>Ready once the model is loaded (it loads while the agent starts; until then: how long it has been loading).</summary>
internal sealed class ModelHealthCheck(ModelRuntime model) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!model.IsLoaded)
        {
            return Task.FromResult(model.LoadingFor is { } loading
                ? HealthCheckResult.Unhealthy(
                    $"starting: loading the model, {loading.TotalSeconds:F0} s so far (a TensorRT engine build takes minutes on its first start)",
                    data: new Dictionary<string, object> { ["state"] = "loading", ["seconds"] = Math.Round(loading.TotalSeconds) })
                : HealthCheckResult.Unhealthy("the model is not loaded yet"));
        }

        var manifest = model.Segmenter.Manifest;
        return Task.FromResult(HealthCheckResult.Healthy($"{manifest.Name} ({manifest.Precision}) on {model.Segmenter.ExecutionProvider}"));
    }
}
