using Microsoft.Extensions.Diagnostics.HealthChecks;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Agent.Http.Health;

/// <summary>Ready while the MQTT session is up.</summary>
internal sealed class MqttHealthCheck(MqttResultPublisher publisher) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var connection = publisher.Connection;
        return Task.FromResult(connection.IsConnected
            ? HealthCheckResult.Healthy($"connected to {connection.Endpoint}")
            : HealthCheckResult.Unhealthy($"{connection.State} to {connection.Endpoint}" + (connection.LastError is { } error ? $": {error}" : "")));
    }
}
