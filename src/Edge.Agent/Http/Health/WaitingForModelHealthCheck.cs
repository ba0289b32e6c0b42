using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SegMan.Edge.Agent.Http.Health;

/// <summary>
/// Stands in for a check whose subject starts once the model is loaded (the cameras, the MQTT session): resolving the
/// real check would wait for the load, and <c>/readyz</c> must answer during it.
/// </summary>
internal sealed class WaitingForModelHealthCheck(string what) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Unhealthy($"{what} start once the model is loaded"));
}
