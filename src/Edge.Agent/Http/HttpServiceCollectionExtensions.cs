using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SegMan.Edge.Agent.Http.Health;
using SegMan.Edge.Agent.Metrics;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Agent.Http;

/// <summary>Registers the live slots, metrics, readiness checks and the web endpoint (started last, stopped first).</summary>
internal static class HttpServiceCollectionExtensions
{
    public static IServiceCollection AddSegManHttp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HttpOptions>().Bind(configuration.GetSection(HttpOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HttpOptions>, HttpOptionsValidator>();

        services.AddMetrics();
        services.AddSingleton<LiveFrames>();
        services.AddSingleton<EdgeMetrics>();

        // The pipelines publish through the observers first (metrics, live view), then MQTT.
        services.AddSingleton<IResultPublisher>(provider => new ObservedResultPublisher(
            provider.GetRequiredService<MqttResultPublisher>(),
            [provider.GetRequiredService<EdgeMetrics>(), provider.GetRequiredService<LiveFrames>()]));

        services.AddHealthChecks()
            .AddCheck<ModelHealthCheck>("model", tags: [HealthEndpoints.ReadyTag])
            .AddCheck<CamerasHealthCheck>("cameras", tags: [HealthEndpoints.ReadyTag])
            .AddCheck<MqttHealthCheck>("mqtt", tags: [HealthEndpoints.ReadyTag]);

        services.AddSingleton<LiveViewServer>();
        services.AddHostedService(provider => provider.GetRequiredService<LiveViewServer>());
        return services;
    }
}
